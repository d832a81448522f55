import { z } from "@hono/zod-openapi";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import type { ErrorCode } from "../../src/errors";
import { servedRoutes } from "../../src/http/route-table";
import { DASHBOARD_BASE } from "../../src/lib/api-paths";
import { testAccountIdOf } from "../../src/lib/modes";
import { FASHN_BASE } from "../../src/routes/fashn";
import { AccountViewSchema } from "../../src/schemas/account";
import { AccountListSchema, AccountSchema, ApiKeyListSchema, ApiKeySchema, CreatedApiKeySchema, RolledApiKeySchema } from "../../src/schemas/admin";
import { AtRestKeyStatusSchema, ResealResultSchema } from "../../src/schemas/at-rest-key";
import { CreditBalanceSchema, CreditLedgerSchema, GrantCreditsResponse, MaintenanceSchema } from "../../src/schemas/credits";
import { CostReportSchema, EngineBreakerListSchema, EngineBreakerSchema } from "../../src/schemas/engines";
import { GenerationSchema } from "../../src/schemas/generations";
import { ImageSchema } from "../../src/schemas/images";
import { CatalogEntrySchema, ErrorCatalogSchema, HealthSchema } from "../../src/schemas/meta";
import { ProductDeletedSchema, ProductListSchema, ProductSchema, ProductStatsSchema } from "../../src/schemas/products";
import { TestDataErasedSchema } from "../../src/schemas/test-mode";
import { GenerationPageSchema, TryOnAcceptedSchema } from "../../src/schemas/tryon-generations";
import {
  CreatedWebhookEndpointSchema,
  WebhookDeliveryListSchema,
  WebhookDeliverySchema,
  WebhookEndpointListSchema,
  WebhookEndpointSchema,
  WebhookSecretSchema,
} from "../../src/schemas/webhooks";
import { DASHBOARD_ROUTES } from "../helpers/dashboard-routes";
import { ADMIN_TOKEN, admin, api, call, createAccount, expectEnvelope, expectOk, type TestAccount } from "../helpers/harness";
import { filePart, personJpeg, registerProduct, uploadPerson } from "../helpers/pipeline";
import { captureWebhookQueue, createEndpoint, insertGeneration } from "../helpers/webhooks";
import { grantCredits } from "../services/credits/helpers";

/**
 * The auth matrix, over every route the router serves (src/http/route-table.ts).
 *
 * Each served (method, pattern) must have a sample request in exactly one of the
 * tables below, or the first test fails: a new route cannot skip the matrix.
 * - Integrator routes: no key → 401 MISSING_API_KEY; a malformed, unknown or revoked
 *   key, a key of a disabled account, and the operator token → 401 INVALID_API_KEY;
 *   another account's key on the owner's resource → the route's 404 (resources with
 *   guessable ids, such as products by externalId, look exactly like missing ones),
 *   or 403 FORBIDDEN for a generation (unguessable ids, Genlook's answer); the owner's key → the route's
 *   success, its body parsed by the route's wire schema.
 * - Operator routes: no token, or an integrator key in `x-api-key` → 401
 *   MISSING_API_KEY; a wrong token, or an integrator key as the bearer → 401
 *   INVALID_API_KEY; one account's key id under another account → 404
 *   API_KEY_NOT_FOUND; the token → success, parsed.
 * - Public routes: served without credentials (and unaffected by any); a signed file
 *   URL with another signature → 403 FORBIDDEN.
 */

interface Fixture {
  owner: TestAccount;
  other: TestAccount;
  revokedKey: string;
  disabledKey: string;
  /** A test key of the disabled account: disabling an account disables its test keys too. */
  disabledTestKey: string;
  /** A second key of the owner, revoked by the operator-route sample. */
  spareKeyId: string;
  imageId: string;
  fileUrl: string;
  productId: string;
  generationId: string;
  endpointId: string;
  /** An endpoint the DELETE sample removes. */
  doomedEndpointId: string;
  deliveryId: string;
}

interface Sample {
  /** The request, on the owner's resources. */
  req: (f: Fixture) => { path: string; init?: RequestInit & { json?: unknown } };
  /** What the owner (or the operator) gets, and the schema its body must parse with (null: no JSON body). */
  ok: { status: number; schema: z.ZodType | null };
  /** What another account gets on the owner's resource. */
  foreign?: { status: number; code: ErrorCode };
  /** Runs after every non-destructive sample. */
  destructive?: boolean;
}

const notFound = (code: ErrorCode) => ({ status: 404, code });
/** Generation ids are unguessable: another account's answers 403 FORBIDDEN, as Genlook does (guessable ids stay 404). */
const GENERATION_403 = { status: 403, code: "FORBIDDEN" as const };
const PRODUCT_404 = notFound("PRODUCT_NOT_FOUND");
const WEBHOOK_404 = notFound("WEBHOOK_NOT_FOUND");
const get = (path: string) => ({ path });
/** A 16×16 opaque PNG: the smallest account logo (PUT /admin/v1/accounts/{id}/logo). */
const LOGO_PNG = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAGUlEQVR4nGM4IRf1nxLMMGrAqAGjBgwXAwDP8T8fxCvFEAAAAABJRU5ErkJggg=="),
  (ch) => ch.charCodeAt(0),
);
const post = (path: string, json?: unknown) => ({ path, init: { method: "POST", ...(json === undefined ? {} : { json }) } });

function productForm(externalId: string): FormData {
  const form = new FormData();
  form.set("data", JSON.stringify({ externalId, title: "Matrix shirt", images: [{ source: { fileKey: "front" } }] }));
  return form;
}

/** Integrator routes, paths under /tryon/v1. */
const INTEGRATOR: Record<string, Sample> = {
  "GET /tryon/v1/account": { req: () => get("/account"), ok: { status: 200, schema: AccountViewSchema } },
  "GET /tryon/v1/account/credits": { req: () => get("/account/credits"), ok: { status: 200, schema: CreditBalanceSchema } },
  "POST /tryon/v1/images/upload": {
    req: () => ({ path: "/images/upload", init: { method: "POST", body: UPLOAD } }),
    ok: { status: 201, schema: ImageSchema },
  },
  "GET /tryon/v1/images/:imageId": { req: (f) => get(`/images/${f.imageId}`), ok: { status: 200, schema: ImageSchema }, foreign: notFound("IMAGE_NOT_FOUND") },
  "POST /tryon/v1/products": {
    req: () => ({ path: "/products", init: { method: "POST", body: PRODUCT_FORM } }),
    ok: { status: 200, schema: ProductSchema },
  },
  "GET /tryon/v1/products": { req: () => get("/products"), ok: { status: 200, schema: ProductListSchema } },
  "GET /tryon/v1/products/:externalId": { req: (f) => get(`/products/${f.productId}`), ok: { status: 200, schema: ProductSchema }, foreign: PRODUCT_404 },
  "GET /tryon/v1/products/:externalId/stats": {
    req: (f) => get(`/products/${f.productId}/stats`),
    ok: { status: 200, schema: ProductStatsSchema },
    foreign: PRODUCT_404,
  },
  "DELETE /tryon/v1/products/:externalId": {
    req: (f) => ({ path: `/products/${f.productId}`, init: { method: "DELETE" } }),
    ok: { status: 200, schema: ProductDeletedSchema },
    foreign: PRODUCT_404,
    destructive: true,
  },
  "POST /tryon/v1/try-on": {
    req: (f) => post("/try-on", { products: [{ externalId: f.productId }], person: { image: { source: { id: f.imageId } } } }),
    ok: { status: 202, schema: TryOnAcceptedSchema },
    // Another account names the owner's product and photo: they do not exist for it.
    foreign: PRODUCT_404,
  },
  "POST /tryon/v1/try-on/sync": {
    req: (f) => post("/try-on/sync?wait=0", { products: [{ externalId: f.productId }], person: { image: { source: { id: f.imageId } } } }),
    ok: { status: 202, schema: TryOnAcceptedSchema },
    foreign: PRODUCT_404,
  },
  "GET /tryon/v1/generations": { req: () => get("/generations"), ok: { status: 200, schema: GenerationPageSchema } },
  "GET /tryon/v1/generations/:id": {
    req: (f) => get(`/generations/${f.generationId}`),
    ok: { status: 200, schema: GenerationSchema },
    foreign: GENERATION_403,
  },
  "POST /tryon/v1/generations/:id/cancel": {
    req: (f) => post(`/generations/${f.generationId}/cancel`),
    // The sample generation is COMPLETED: the owner reaches it, and it cannot be cancelled.
    ok: { status: 409, schema: null },
    foreign: GENERATION_403,
  },
  "DELETE /tryon/v1/customers/:externalUserId": {
    req: () => ({ path: "/customers/someone-else", init: { method: "DELETE" } }),
    ok: { status: 204, schema: null },
  },
  "POST /tryon/v1/webhooks": {
    req: () => post("/webhooks", { url: "https://hooks.example.com/matrix" }),
    ok: { status: 201, schema: CreatedWebhookEndpointSchema },
  },
  "GET /tryon/v1/webhooks": { req: () => get("/webhooks"), ok: { status: 200, schema: WebhookEndpointListSchema } },
  "GET /tryon/v1/webhooks/default-secret": { req: () => get("/webhooks/default-secret"), ok: { status: 200, schema: WebhookSecretSchema } },
  "POST /tryon/v1/webhooks/default-secret/rotate": { req: () => post("/webhooks/default-secret/rotate", {}), ok: { status: 200, schema: WebhookSecretSchema } },
  "GET /tryon/v1/webhooks/:id": { req: (f) => get(`/webhooks/${f.endpointId}`), ok: { status: 200, schema: WebhookEndpointSchema }, foreign: WEBHOOK_404 },
  "PATCH /tryon/v1/webhooks/:id": {
    req: (f) => ({ path: `/webhooks/${f.endpointId}`, init: { method: "PATCH", json: { description: "matrix" } } }),
    ok: { status: 200, schema: WebhookEndpointSchema },
    foreign: WEBHOOK_404,
  },
  "DELETE /tryon/v1/webhooks/:id": {
    req: (f) => ({ path: `/webhooks/${f.doomedEndpointId}`, init: { method: "DELETE" } }),
    ok: { status: 204, schema: null },
    foreign: WEBHOOK_404,
    destructive: true,
  },
  "GET /tryon/v1/webhooks/:id/secret": {
    req: (f) => get(`/webhooks/${f.endpointId}/secret`),
    ok: { status: 200, schema: WebhookSecretSchema },
    foreign: WEBHOOK_404,
  },
  "POST /tryon/v1/webhooks/:id/rotate-secret": {
    req: (f) => post(`/webhooks/${f.endpointId}/rotate-secret`, {}),
    ok: { status: 200, schema: WebhookSecretSchema },
    foreign: WEBHOOK_404,
  },
  "POST /tryon/v1/webhooks/:id/test": {
    req: (f) => post(`/webhooks/${f.endpointId}/test`),
    ok: { status: 202, schema: WebhookDeliverySchema },
    foreign: WEBHOOK_404,
  },
  "GET /tryon/v1/webhooks/:id/deliveries": {
    req: (f) => get(`/webhooks/${f.endpointId}/deliveries`),
    ok: { status: 200, schema: WebhookDeliveryListSchema },
    foreign: WEBHOOK_404,
  },
  "GET /tryon/v1/webhooks/:id/deliveries/:deliveryId": {
    req: (f) => get(`/webhooks/${f.endpointId}/deliveries/${f.deliveryId}`),
    ok: { status: 200, schema: WebhookDeliverySchema },
    foreign: WEBHOOK_404,
  },
  "GET /tryon/v1/webhooks/deliveries": {
    req: () => get("/webhooks/deliveries"),
    ok: { status: 200, schema: WebhookDeliveryListSchema },
  },
  "POST /tryon/v1/webhooks/deliveries/:deliveryId/retry": {
    req: (f) => post(`/webhooks/deliveries/${f.deliveryId}/retry`),
    ok: { status: 202, schema: WebhookDeliverySchema },
    foreign: WEBHOOK_404,
  },
  "POST /tryon/v1/webhooks/:id/deliveries/:deliveryId/retry": {
    req: (f) => post(`/webhooks/${f.endpointId}/deliveries/${f.deliveryId}/retry`),
    ok: { status: 202, schema: WebhookDeliverySchema },
    foreign: WEBHOOK_404,
  },
  // The test-mode tools refuse a live key (the owner's, here); a test key gets their success (test mode below).
  "POST /tryon/v1/test/credits": { req: () => post("/test/credits", { balance: 5 }), ok: { status: 403, schema: null } },
  "DELETE /tryon/v1/test/data": { req: () => ({ path: "/test/data", init: { method: "DELETE" } }), ok: { status: 403, schema: null }, destructive: true },
};

/** What a test key gets on the test-mode tools (the live key's 403 is in INTEGRATOR). */
const TEST_MODE_OK: Record<string, { status: number; schema: z.ZodType }> = {
  "POST /tryon/v1/test/credits": { status: 200, schema: CreditBalanceSchema },
  "DELETE /tryon/v1/test/data": { status: 202, schema: TestDataErasedSchema },
};

const KEY_404 = notFound("API_KEY_NOT_FOUND");

/** Operator routes, full paths. `foreign` here: the other account's key id under the owner's account. */
const OPERATOR: Record<string, Sample> = {
  "POST /admin/v1/accounts": { req: () => post("/admin/v1/accounts", { name: "Matrix new" }), ok: { status: 201, schema: AccountSchema } },
  "GET /admin/v1/accounts": { req: () => get("/admin/v1/accounts"), ok: { status: 200, schema: AccountListSchema } },
  "GET /admin/v1/accounts/:accountId": { req: (f) => get(`/admin/v1/accounts/${f.owner.accountId}`), ok: { status: 200, schema: AccountSchema } },
  "PATCH /admin/v1/accounts/:accountId": {
    req: (f) => ({ path: `/admin/v1/accounts/${f.owner.accountId}`, init: { method: "PATCH", json: { name: "Matrix owner" } } }),
    ok: { status: 200, schema: AccountSchema },
  },
  "PUT /admin/v1/accounts/:accountId/logo": {
    req: (f) => ({ path: `/admin/v1/accounts/${f.owner.accountId}/logo`, init: { method: "PUT", body: LOGO_PNG, headers: { "content-type": "image/png" } } }),
    ok: { status: 200, schema: AccountSchema },
  },
  "DELETE /admin/v1/accounts/:accountId/logo": {
    req: (f) => ({ path: `/admin/v1/accounts/${f.owner.accountId}/logo`, init: { method: "DELETE" } }),
    ok: { status: 200, schema: AccountSchema },
  },
  "GET /admin/v1/accounts/:accountId/costs": {
    req: (f) => get(`/admin/v1/accounts/${f.owner.accountId}/costs`),
    ok: { status: 200, schema: CostReportSchema },
  },
  "GET /admin/v1/engines": { req: () => get("/admin/v1/engines"), ok: { status: 200, schema: EngineBreakerListSchema } },
  "POST /admin/v1/engines/:engine/reset": { req: () => post("/admin/v1/engines/composite/reset", {}), ok: { status: 200, schema: EngineBreakerSchema } },
  "POST /admin/v1/accounts/:accountId/keys": {
    req: (f) => post(`/admin/v1/accounts/${f.owner.accountId}/keys`, { name: "more" }),
    ok: { status: 201, schema: CreatedApiKeySchema },
  },
  "GET /admin/v1/accounts/:accountId/keys": { req: (f) => get(`/admin/v1/accounts/${f.owner.accountId}/keys`), ok: { status: 200, schema: ApiKeyListSchema } },
  "GET /admin/v1/accounts/:accountId/keys/:keyId": {
    req: (f) => get(`/admin/v1/accounts/${f.owner.accountId}/keys/${f.spareKeyId}`),
    ok: { status: 200, schema: ApiKeySchema },
    foreign: KEY_404,
  },
  "PATCH /admin/v1/accounts/:accountId/keys/:keyId": {
    req: (f) => ({ path: `/admin/v1/accounts/${f.owner.accountId}/keys/${f.spareKeyId}`, init: { method: "PATCH", json: { name: "renamed" } } }),
    ok: { status: 200, schema: ApiKeySchema },
    foreign: KEY_404,
  },
  "POST /admin/v1/accounts/:accountId/keys/:keyId/roll": {
    req: (f) => post(`/admin/v1/accounts/${f.owner.accountId}/keys/${f.spareKeyId}/roll`, { overlapSeconds: 60 }),
    ok: { status: 201, schema: RolledApiKeySchema },
    foreign: KEY_404,
    // A key rolls once; the revoke sample after it still revokes the rolled key.
    destructive: true,
  },
  "POST /admin/v1/accounts/:accountId/keys/:keyId/revoke": {
    req: (f) => post(`/admin/v1/accounts/${f.owner.accountId}/keys/${f.spareKeyId}/revoke`),
    ok: { status: 200, schema: ApiKeySchema },
    foreign: KEY_404,
    destructive: true,
  },
  "POST /admin/v1/accounts/:accountId/credits": {
    req: (f) => post(`/admin/v1/accounts/${f.owner.accountId}/credits`, { amount: 1, reason: "matrix" }),
    ok: { status: 201, schema: GrantCreditsResponse },
  },
  "GET /admin/v1/accounts/:accountId/credits": {
    req: (f) => get(`/admin/v1/accounts/${f.owner.accountId}/credits`),
    ok: { status: 200, schema: CreditLedgerSchema },
  },
  "PUT /admin/v1/maintenance": {
    req: () => ({ path: "/admin/v1/maintenance", init: { method: "PUT", json: { enabled: false } } }),
    ok: { status: 200, schema: MaintenanceSchema },
  },
  "GET /admin/v1/maintenance": { req: () => get("/admin/v1/maintenance"), ok: { status: 200, schema: MaintenanceSchema } },
  "GET /admin/v1/at-rest-key": { req: () => get("/admin/v1/at-rest-key"), ok: { status: 200, schema: AtRestKeyStatusSchema } },
  "POST /admin/v1/at-rest-key/reseal": { req: () => post("/admin/v1/at-rest-key/reseal", {}), ok: { status: 200, schema: ResealResultSchema } },
};

/** Public routes, full paths: served without credentials. */
const PUBLIC: Record<string, Sample> = {
  "GET /healthz": { req: () => get("/healthz"), ok: { status: 200, schema: HealthSchema } },
  "GET /tryon/v1/openapi.json": { req: () => get("/tryon/v1/openapi.json"), ok: { status: 200, schema: z.looseObject({ openapi: z.literal("3.1.0") }) } },
  "GET /tryon/v1/docs": { req: () => get("/tryon/v1/docs"), ok: { status: 200, schema: null } },
  "GET /tryon/v1/docs/scalar.js": { req: () => get("/tryon/v1/docs/scalar.js"), ok: { status: 200, schema: null } },
  "GET /llms.txt": { req: () => get("/llms.txt"), ok: { status: 200, schema: null } },
  "GET /llms-full.txt": { req: () => get("/llms-full.txt"), ok: { status: 200, schema: null } },
  "GET /tryon/v1/errors": { req: () => get("/tryon/v1/errors"), ok: { status: 200, schema: ErrorCatalogSchema } },
  "GET /tryon/v1/errors/:code": { req: () => get("/tryon/v1/errors/FORBIDDEN"), ok: { status: 200, schema: CatalogEntrySchema } },
  // The signature is the credential: another signature is someone else's URL, or a forgery.
  "GET /tryon/v1/files/*": { req: (f) => get(f.fileUrl), ok: { status: 200, schema: null }, foreign: { status: 403, code: "FORBIDDEN" } },
};

let UPLOAD: FormData;
let PRODUCT_FORM: FormData;
let f: Fixture;
/** The fixture in the owner's test mode: `t.owner` is the owner's test key, every id a test object. */
let t: Fixture;
/** The generation the owner's live try-on made (PENDING: the queue is not run here). */
let liveTryOn: string;

/** A test-mode key of `acct`'s account, minted through the operator API. */
async function testKeyOf(acct: TestAccount): Promise<TestAccount> {
  const k = await expectOk(
    await admin(`/admin/v1/accounts/${acct.accountId}/keys`, { method: "POST", json: { name: "test", mode: "test" } }),
    CreatedApiKeySchema,
    201,
  );
  expect(k.key).toMatch(/^dr_test_[0-9A-Za-z]{32}$/);
  expect([k.mode, k.accountId]).toEqual(["test", acct.accountId]);
  return { accountId: acct.accountId, keyId: k.id, key: k.key };
}

/** Keys that were valid: minted for a new account (a live and a test one), then the live key revoked or the account disabled. */
async function deadKeys(kind: "revoked" | "disabled"): Promise<{ live: string; test: string }> {
  const acct = await createAccount({ name: `matrix-${kind}` });
  const test = await testKeyOf(acct);
  expect((await api(acct, "/account")).status).toBe(200); // they worked (and are cached) before
  expect((await api(test, "/account")).status).toBe(200);
  const res =
    kind === "revoked"
      ? await admin(`/admin/v1/accounts/${acct.accountId}/keys/${acct.keyId}/revoke`, { method: "POST" })
      : await admin(`/admin/v1/accounts/${acct.accountId}`, { method: "PATCH", json: { status: "disabled" } });
  expect(res.status).toBe(200);
  return { live: acct.key, test: test.key };
}

/** The objects every foreign sample names, made by `acct` (a live or a test key). */
async function resourcesOf(acct: TestAccount, productExternalId: string) {
  const imageId = await uploadPerson(acct);
  const image = await expectOk(await api(acct, `/images/${imageId}`), ImageSchema);
  const productId = await registerProduct(acct, productExternalId);
  const endpointId = (await createEndpoint(acct)).id;
  const doomedEndpointId = (await createEndpoint(acct)).id;
  const delivery = await expectOk(await api(acct, `/webhooks/${endpointId}/test`, { method: "POST" }), WebhookDeliverySchema, 202);
  const generationId = (await expectOk(await api(acct, "/try-on", { method: "POST", json: tryOnBody(productId, imageId) }), TryOnAcceptedSchema, 202))
    .generationId;
  return {
    imageId,
    fileUrl: new URL(image.imageUrl).pathname + new URL(image.imageUrl).search,
    productId,
    generationId,
    endpointId,
    doomedEndpointId,
    deliveryId: delivery.id,
  };
}

/**
 * What the other mode of the same account answers: as if the object did not exist. Another
 * account's generation is FORBIDDEN (Genlook's answer); the twin's is GENERATION_NOT_FOUND.
 */
function crossModeAnswer(s: Sample): { status: number; code: ErrorCode } {
  const foreign = s.foreign as { status: number; code: ErrorCode };
  return foreign.code === "FORBIDDEN" ? { status: 404, code: "GENERATION_NOT_FOUND" } : foreign;
}

const tryOnBody = (productId: string, imageId: string) => ({ products: [{ externalId: productId }], person: { image: { source: { id: imageId } } } });

beforeAll(async () => {
  captureWebhookQueue(); // test events and retries stay queued: nothing reaches the network
  const roomy = { account: { rateLimitPerMinute: 100000, rateLimitBurst: 100000 } };
  const owner = await createAccount({ name: "matrix-owner", ...roomy });
  const other = await createAccount({ name: "matrix-other", ...roomy });
  await grantCredits(owner.accountId, 10);
  await grantCredits(other.accountId, 10);
  const spare = await expectOk(
    await admin(`/admin/v1/accounts/${owner.accountId}/keys`, { method: "POST", json: { name: "spare" } }),
    CreatedApiKeySchema,
    201,
  );
  UPLOAD = new FormData();
  UPLOAD.set("file", filePart(await personJpeg(), "person.jpg", "image/jpeg"));
  PRODUCT_FORM = productForm("matrix-upsert");
  PRODUCT_FORM.set("front", filePart(await personJpeg(), "front.jpg", "image/jpeg"));
  const revoked = await deadKeys("revoked");
  const disabled = await deadKeys("disabled");
  const live = await resourcesOf(owner, "matrix-shirt");
  f = {
    owner,
    other,
    revokedKey: revoked.live,
    disabledKey: disabled.live,
    disabledTestKey: disabled.test,
    spareKeyId: spare.id,
    ...live,
    // A COMPLETED generation (the cancel sample's 409).
    generationId: await insertGeneration(owner.accountId),
  };
  // The same objects in the owner's test mode, made with its test key.
  const ownerTest = await testKeyOf(owner);
  t = {
    ...f,
    owner: ownerTest,
    ...(await resourcesOf(ownerTest, "matrix-shirt-test")),
    generationId: await insertGeneration(testAccountIdOf(owner.accountId)),
  };
  liveTryOn = live.generationId;
});

/** Sends an integrator sample with the given credential headers (none when empty). */
function asIntegrator(s: Sample, headers: Record<string, string>, acct: Pick<TestAccount, "key"> = { key: "" }, on: Fixture = f): Promise<Response> {
  const { path, init = {} } = s.req(on);
  const h = new Headers(init.headers);
  for (const [k, v] of Object.entries(headers)) h.set(k, v);
  if (acct.key === "" && !h.has("x-api-key") && !h.has("authorization")) {
    // api() adds the key; without one the request goes out bare.
    let body = init.body;
    if (init.json !== undefined) {
      h.set("content-type", "application/json");
      body = JSON.stringify(init.json);
    }
    return call(`/tryon/v1${path}`, { ...init, headers: h, body });
  }
  return api(acct, path, { ...init, headers: h });
}

function asOperator(s: Sample, headers: Record<string, string>): Promise<Response> {
  const { path, init = {} } = s.req(f);
  const h = new Headers(init.headers);
  for (const [k, v] of Object.entries(headers)) h.set(k, v);
  let body = init.body;
  if (init.json !== undefined) {
    h.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return call(path, { ...init, headers: h, body });
}

async function expectSuccess(res: Response, s: Sample, name: string): Promise<void> {
  if (s.ok.schema === null) {
    if (res.status !== s.ok.status) throw new Error(`${name}: expected ${s.ok.status}, got ${res.status} ${(await res.text()).slice(0, 300)}`);
    await res.arrayBuffer();
    return;
  }
  await expectOk(res, s.ok.schema, s.ok.status);
}

describe("the auth matrix covers every served route", () => {
  it("has exactly one sample per (method, route) the router serves", () => {
    createApp();
    // The dashboard signs in with a session, not a key: its routes are in the dashboard's matrix
    // (test/dashboard/auth-matrix.test.ts, over test/helpers/dashboard-routes.ts); the two
    // matrices together cover every served route, and no route is in both. The FASHN facade
    // answers in FASHN's error format: test/routes/fashn.test.ts holds its auth cases.
    const served = servedRoutes()
      .filter((r) => !r.path.startsWith(`${FASHN_BASE}/`))
      .map((r) => `${r.method} ${r.path}`);
    const dashboard = Object.keys(DASHBOARD_ROUTES);
    expect(
      dashboard.filter((r) => !r.startsWith(`${r.split(" ")[0]} ${DASHBOARD_BASE}`)),
      "dashboard matrix routes outside the dashboard",
    ).toEqual([]);
    const sampled = [...Object.keys(INTEGRATOR), ...Object.keys(OPERATOR), ...Object.keys(PUBLIC), MCP_ROUTE, ...dashboard];
    expect(
      served.filter((r) => !sampled.includes(r)),
      "served routes without a sample",
    ).toEqual([]);
    expect(
      sampled.filter((r) => !served.includes(r)),
      "samples of routes not served",
    ).toEqual([]);
    expect(new Set(sampled).size).toBe(sampled.length);
  });
});

describe("test mode is a separate copy of the API: nothing crosses, either way", () => {
  const foreign = Object.keys(INTEGRATOR).filter((n) => INTEGRATOR[n]?.foreign);
  it.each(foreign)("%s: the owner's test key on a live object answers like a missing one", async (name) => {
    const s = INTEGRATOR[name] as Sample;
    const want = crossModeAnswer(s);
    await expectEnvelope(await asIntegrator(s, {}, t.owner, f), want.status, want.code);
  });

  it.each(foreign)("%s: the owner's live key on a test object answers like a missing one", async (name) => {
    const s = INTEGRATOR[name] as Sample;
    const want = crossModeAnswer(s);
    await expectEnvelope(await asIntegrator(s, {}, f.owner, t), want.status, want.code);
  });

  it("lists in one mode never show the other mode's objects, and erasing an end user in one leaves the other alone", async () => {
    const ids = (x: Fixture) => [x.productId, x.generationId, x.endpointId, x.imageId].map((id) => `"${id}"`);
    for (const [acct, theirs, mine] of [
      [t.owner, f, t],
      [f.owner, t, f],
    ] as const) {
      for (const path of ["/products", "/generations", "/webhooks", `/webhooks/${mine.endpointId}/deliveries`]) {
        const page = await expectOk(await api(acct, path), z.looseObject({ items: z.array(z.looseObject({ livemode: z.boolean() })) }));
        expect(JSON.stringify(page.items), path).not.toMatch(new RegExp(ids(theirs).join("|")));
        expect(page.items.length, path).toBeGreaterThan(0);
        expect(new Set(page.items.map((i) => i.livemode)), path).toEqual(new Set([acct === f.owner]));
      }
    }
    expect((await api(t.owner, "/customers/user-1", { method: "DELETE" })).status).toBe(204);
    const mine = await expectOk(await api(f.owner, `/generations/${f.generationId}`), GenerationSchema);
    expect([mine.externalUserId, mine.livemode]).toEqual(["user-1", true]);
  });

  it("the same externalId is two independent products, one per mode", async () => {
    // (The test fixture's product has another id, so the cross-mode 404s above are not answered by a namesake.)
    await registerProduct(t.owner, f.productId, "Test namesake");
    const live = await expectOk(await api(f.owner, `/products/${f.productId}`), ProductSchema);
    const test = await expectOk(await api(t.owner, `/products/${f.productId}`), ProductSchema);
    expect([live.title, live.livemode, test.title, test.livemode]).toEqual(["Red shirt", true, "Test namesake", false]);
    expect((await api(t.owner, `/products/${f.productId}`, { method: "DELETE" })).status).toBe(200);
    expect((await expectOk(await api(f.owner, `/products/${f.productId}`), ProductSchema)).title).toBe("Red shirt");
  });

  it("a test try-on with the live product and photo ids finds neither, and costs the live account nothing", async () => {
    const before = await expectOk(await api(f.owner, "/account/credits"), CreditBalanceSchema);
    await expectEnvelope(await api(t.owner, "/try-on", { method: "POST", json: tryOnBody(f.productId, t.imageId) }), 404, "PRODUCT_NOT_FOUND");
    await expectEnvelope(await api(t.owner, "/try-on", { method: "POST", json: tryOnBody(t.productId, f.imageId) }), 404, "IMAGE_NOT_FOUND");
    await expectOk(await api(t.owner, "/try-on", { method: "POST", json: tryOnBody(t.productId, t.imageId) }), TryOnAcceptedSchema, 202);
    const after = await expectOk(await api(f.owner, "/account/credits"), CreditBalanceSchema);
    expect(after).toEqual(before);
    expect((await api(f.owner, `/generations/${liveTryOn}`)).status).toBe(200);
    await expectEnvelope(await api(t.owner, `/generations/${liveTryOn}`), 404, "GENERATION_NOT_FOUND");
  });

  it("the owner's test key gets each route's success on its own objects, every object saying livemode false (destructive routes last)", async () => {
    const names = Object.keys(INTEGRATOR).sort((a, b) => Number(INTEGRATOR[a]?.destructive ?? false) - Number(INTEGRATOR[b]?.destructive ?? false));
    for (const name of names) {
      const s = INTEGRATOR[name] as Sample;
      const ok = TEST_MODE_OK[name] ?? s.ok;
      const res = await asIntegrator(s, {}, t.owner, t);
      const text = await res.clone().text();
      await expectSuccess(res, { ...s, ok }, name).catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`);
      });
      // Every object a test key is answered carries livemode false, never true.
      if (ok.schema !== null && text.startsWith("{")) expect(text, name).not.toContain('"livemode":true');
      if (ok.schema !== null && text.startsWith("{")) expect(text, name).toContain('"livemode":false');
    }
  });
});

describe("integrator routes", () => {
  const keyless = (name: string) => INTEGRATOR[name] as Sample;
  it.each(Object.keys(INTEGRATOR))("%s: refuses every credential but a live key of an active account", async (name) => {
    const s = keyless(name);
    await expectEnvelope(await asIntegrator(s, {}), 401, "MISSING_API_KEY");
    const refused: Array<[string, Record<string, string>]> = [
      ["malformed key", { "x-api-key": "not-a-key" }],
      ["unknown key", { "x-api-key": `dr_live_${"Z".repeat(32)}` }],
      ["revoked key", { "x-api-key": f.revokedKey }],
      ["disabled account's key", { "x-api-key": f.disabledKey }],
      ["disabled account's test key", { "x-api-key": f.disabledTestKey }],
      ["the operator token", { authorization: `Bearer ${ADMIN_TOKEN}` }],
    ];
    for (const [what, headers] of refused) {
      const env = await expectEnvelope(await asIntegrator(s, headers), 401, "INVALID_API_KEY").catch((e: Error) => {
        throw new Error(`${what}: ${e.message}`);
      });
      expect(env.message, what).not.toContain(headers["x-api-key"] ?? ADMIN_TOKEN);
    }
  });

  const foreign = Object.keys(INTEGRATOR).filter((n) => INTEGRATOR[n]?.foreign);
  it.each(foreign)("%s: another account's key on the owner's resource answers like a missing one (403 for generations)", async (name) => {
    const s = keyless(name);
    const want = s.foreign as { status: number; code: ErrorCode };
    await expectEnvelope(await asIntegrator(s, {}, f.other), want.status, want.code);
  });

  it("another account's lists and erase leave the owner's data alone", async () => {
    for (const path of ["/products", "/generations", "/webhooks"]) {
      const page = await expectOk(await api(f.other, path), z.looseObject({ items: z.array(z.looseObject({})) }));
      expect(JSON.stringify(page.items), path).not.toMatch(new RegExp(`${f.productId}|${f.generationId}|${f.endpointId}`));
    }
    expect((await api(f.other, "/customers/user-1", { method: "DELETE" })).status).toBe(204);
    const mine = await expectOk(await api(f.owner, `/generations/${f.generationId}`), GenerationSchema);
    expect(mine.externalUserId).toBe("user-1");
  });

  it("the owner's key gets each route's success, its body as the route's schema says (destructive routes last)", async () => {
    const names = Object.keys(INTEGRATOR).sort((a, b) => Number(INTEGRATOR[a]?.destructive ?? false) - Number(INTEGRATOR[b]?.destructive ?? false));
    for (const name of names) {
      const s = keyless(name);
      await expectSuccess(await asIntegrator(s, {}, f.owner), s, name).catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`);
      });
    }
  });
});

describe("operator routes", () => {
  it.each(Object.keys(OPERATOR))("%s: refuses anything but the operator token", async (name) => {
    const s = OPERATOR[name] as Sample;
    await expectEnvelope(await asOperator(s, {}), 401, "MISSING_API_KEY");
    await expectEnvelope(await asOperator(s, { "x-api-key": f.owner.key }), 401, "MISSING_API_KEY");
    await expectEnvelope(await asOperator(s, { authorization: `Bearer ${f.owner.key}` }), 401, "INVALID_API_KEY");
    await expectEnvelope(await asOperator(s, { authorization: `Bearer ${ADMIN_TOKEN}x` }), 401, "INVALID_API_KEY");
    await expectEnvelope(await asOperator(s, { authorization: "Bearer " }), 401, "MISSING_API_KEY");
  });

  const foreign = Object.keys(OPERATOR).filter((n) => OPERATOR[n]?.foreign);
  it.each(foreign)("%s: a key id of another account is not found under this one", async (name) => {
    const s = OPERATOR[name] as Sample;
    const { path, init } = s.req(f);
    const res = await asOperator(
      { ...s, req: () => ({ path: path.replace(f.spareKeyId, f.other.keyId), ...(init ? { init } : {}) }) },
      { authorization: `Bearer ${ADMIN_TOKEN}` },
    );
    await expectEnvelope(res, 404, "API_KEY_NOT_FOUND");
  });

  it("the operator token gets each route's success, its body as the route's schema says (destructive routes last)", async () => {
    const names = Object.keys(OPERATOR).sort((a, b) => Number(OPERATOR[a]?.destructive ?? false) - Number(OPERATOR[b]?.destructive ?? false));
    for (const name of names) {
      const s = OPERATOR[name] as Sample;
      await expectSuccess(await asOperator(s, { authorization: `Bearer ${ADMIN_TOKEN}` }), s, name).catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`);
      });
    }
    // The revoked spare key is refused from now on; the owner's own key still works.
    expect((await api(f.owner, "/account")).status).toBe(200);
  });
});

/** The MCP endpoint (docs/mcp.md): an integrator route outside /tryon/v1, the key as a bearer token. */
const MCP_ROUTE = "POST /mcp";
const MCP_INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "matrix", version: "1" } },
};

function mcp(headers: Record<string, string>): Promise<Response> {
  return call("/mcp", {
    method: "POST",
    headers: { ...headers, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify(MCP_INITIALIZE),
  });
}

describe("the MCP endpoint", () => {
  it(`${MCP_ROUTE}: refuses every credential but a live key of an active account, with a Bearer challenge`, async () => {
    await expectEnvelope(await mcp({}), 401, "MISSING_API_KEY");
    const refused: Array<[string, Record<string, string>]> = [
      ["malformed key", { authorization: "Bearer not-a-key" }],
      ["unknown key", { authorization: `Bearer dr_live_${"Z".repeat(32)}` }],
      ["revoked key", { authorization: `Bearer ${f.revokedKey}` }],
      ["disabled account's key", { authorization: `Bearer ${f.disabledKey}` }],
      ["the operator token", { authorization: `Bearer ${ADMIN_TOKEN}` }],
    ];
    for (const [what, headers] of refused) {
      const res = await mcp(headers);
      expect(res.headers.get("www-authenticate"), what).toMatch(/^Bearer realm="drape"/);
      await expectEnvelope(res, 401, "INVALID_API_KEY");
    }
  });

  it(`${MCP_ROUTE}: the owner's key (as a bearer token or x-api-key) initializes a session`, async () => {
    const credentials: Array<Record<string, string>> = [{ authorization: `Bearer ${f.owner.key}` }, { "x-api-key": f.owner.key }];
    for (const headers of credentials) {
      const res = await mcp(headers);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ jsonrpc: "2.0", id: 1, result: { serverInfo: { name: "drape" }, capabilities: { tools: {} } } });
    }
  });
});

describe("public routes", () => {
  it.each(Object.keys(PUBLIC))("%s: served without credentials, and whatever credentials come along", async (name) => {
    const s = PUBLIC[name] as Sample;
    const variants: Array<Record<string, string>> = [{}, { "x-api-key": "not-a-key" }, { authorization: "Bearer nonsense" }];
    for (const headers of variants) {
      await expectSuccess(await asOperator(s, headers), s, name);
    }
  });

  it("a signed file URL with another signature is FORBIDDEN", async () => {
    const url = new URL(f.fileUrl, "https://x");
    const sig = url.searchParams.get("sig") ?? "";
    url.searchParams.set("sig", `${sig.slice(0, -1)}${sig.endsWith("A") ? "B" : "A"}`);
    const sample = PUBLIC["GET /tryon/v1/files/*"] as Sample;
    const want = sample.foreign as { status: number; code: ErrorCode };
    await expectEnvelope(await call(url.pathname + url.search), want.status, want.code);
  });
});
