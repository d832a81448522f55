import { z } from "@hono/zod-openapi";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { base64UrlEncode } from "../../src/lib/base64";
import { ApiKeySchema } from "../../src/schemas/admin";
import { PaginationQuerySchema, pageFields } from "../../src/schemas/common";
import { WebhookDeliverySchema } from "../../src/schemas/webhooks";
import { admin, api, call, createAccount, expectEnvelope, expectOk, readWire, type TestAccount } from "../helpers/harness";
import { registerProduct } from "../helpers/pipeline";
import { captureWebhookQueue, createEndpoint, insertGeneration } from "../helpers/webhooks";
import { grantCredits } from "../services/credits/helpers";

// One list shape ({items, nextCursor, hasMore, count}), one query (limit 1–200, default 50; cursor)
// and one cursor codec on every list of the API. The table below has one entry per list; the
// first test fails when the OpenAPI document has a list operation the table lacks.

// Loose: each list's own tests parse its items with its schema; here only the list fields matter.
const AnyPage = z.looseObject(pageFields(z.looseObject({})));
type Item = Record<string, unknown>;

interface ListCase {
  /** The request path under BASE, given the fixture. */
  path: (f: Fixture) => string;
  /** How the list is called: an integrator key, or the operator token. */
  as: "integrator" | "operator";
  /** The ids of the items this fixture created (each list holds at least three). */
  expected: (f: Fixture) => string[];
  idOf: (item: Item) => string;
}

interface Fixture {
  acct: TestAccount;
  other: TestAccount;
  accountIds: string[];
  keyIds: string[];
  productIds: string[];
  generationIds: string[];
  endpointIds: string[];
  deliveryIds: string[];
  ledgerReasons: string[];
}

const id = (item: Item) => String(item.id);

/** Keyed by METHOD and OpenAPI path, as the document names them. */
const LISTS: Record<string, ListCase> = {
  "GET /admin/v1/accounts": { path: () => "/admin/v1/accounts", as: "operator", expected: (f) => f.accountIds, idOf: id },
  "GET /admin/v1/accounts/{accountId}/keys": {
    path: (f) => `/admin/v1/accounts/${f.acct.accountId}/keys`,
    as: "operator",
    expected: (f) => f.keyIds,
    idOf: id,
  },
  "GET /admin/v1/accounts/{accountId}/credits": {
    path: (f) => `/admin/v1/accounts/${f.acct.accountId}/credits`,
    as: "operator",
    expected: (f) => f.ledgerReasons,
    idOf: (item) => String(item.reason),
  },
  "GET /tryon/v1/products": { path: () => "/tryon/v1/products", as: "integrator", expected: (f) => f.productIds, idOf: (item) => String(item.externalId) },
  "GET /tryon/v1/generations": {
    path: () => "/tryon/v1/generations",
    as: "integrator",
    expected: (f) => f.generationIds,
    idOf: (item) => String(item.generationId),
  },
  "GET /tryon/v1/webhooks": { path: () => "/tryon/v1/webhooks", as: "integrator", expected: (f) => f.endpointIds, idOf: id },
  "GET /tryon/v1/webhooks/{id}/deliveries": {
    path: (f) => `/tryon/v1/webhooks/${f.endpointIds[0]}/deliveries`,
    as: "integrator",
    expected: (f) => f.deliveryIds,
    idOf: id,
  },
  // The fixture's deliveries all go to its first endpoint, so the account-wide log holds exactly them.
  "GET /tryon/v1/webhooks/deliveries": { path: () => "/tryon/v1/webhooks/deliveries", as: "integrator", expected: (f) => f.deliveryIds, idOf: id },
};

let f: Fixture;

function send(c: ListCase, query: string, who: TestAccount = f.acct): Promise<Response> {
  const url = `${c.path(f)}${query}`;
  return c.as === "operator" ? admin(url) : api(who, url.replace(/^\/tryon\/v1/, ""));
}

/** Every page of a list with `limit`, checking the shape of each; the ids in order. */
async function walk(c: ListCase, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page = await expectOk(await send(c, query), AnyPage);
    pages++;
    expect(page.count).toBe(page.items.length);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    expect(page.hasMore).toBe(page.nextCursor !== null);
    if (page.hasMore) expect(page.items.length).toBe(limit);
    ids.push(...page.items.map(c.idOf));
    cursor = page.nextCursor;
    expect(pages).toBeLessThan(100);
  } while (cursor);
  return { ids, pages };
}

beforeAll(async () => {
  // Roomy: every list here is walked page by page, more requests than the default minute allows.
  const acct = await createAccount({ name: "lists", account: { rateLimitPerMinute: 100000, rateLimitBurst: 100000 } });
  const other = await createAccount({ name: "lists-2" });
  const third = await createAccount({ name: "lists-3" });
  const keyIds = [acct.keyId];
  for (const name of ["k2", "k3"]) {
    const res = await admin(`/admin/v1/accounts/${acct.accountId}/keys`, { method: "POST", json: { name } });
    keyIds.push((await expectOk(res, ApiKeySchema.extend({ key: z.string() }), 201)).id);
  }
  const ledgerReasons: string[] = [];
  for (const n of [1, 2, 3]) {
    expect((await grantCredits(acct.accountId, n, `ref-${n}`)).status).toBe(201);
    ledgerReasons.push("test grant");
  }
  const productIds: string[] = [];
  for (const n of [1, 2, 3]) productIds.push(await registerProduct(acct, `list-shirt-${n}`));
  const generationIds: string[] = [];
  for (let n = 0; n < 3; n++) generationIds.push(await insertGeneration(acct.accountId));
  const endpointIds: string[] = [];
  for (let n = 0; n < 3; n++) endpointIds.push((await createEndpoint(acct)).id);
  const deliveryIds: string[] = [];
  captureWebhookQueue(); // the test events stay queued: no delivery reaches the network
  for (let n = 0; n < 3; n++) {
    const res = await api(acct, `/webhooks/${endpointIds[0]}/test`, { method: "POST" });
    expect(res.status).toBe(202);
    deliveryIds.push(String((await readWire(res, WebhookDeliverySchema)).id));
  }
  f = {
    acct,
    other,
    accountIds: [acct.accountId, other.accountId, third.accountId],
    keyIds,
    productIds,
    generationIds,
    endpointIds,
    deliveryIds,
    ledgerReasons,
  };
});

afterAll(() => {
  vi.restoreAllMocks();
});

describe("every list: one shape, one query, one cursor", () => {
  it("the table covers every list operation of the OpenAPI document", async () => {
    const doc = (await (await call("/tryon/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; allOf?: Array<{ properties?: Record<string, unknown> }> }> };
    };
    const isList = (ref: string | undefined) => {
      const s = ref ? doc.components.schemas[ref.replace("#/components/schemas/", "")] : undefined;
      const props = { ...s?.properties, ...Object.assign({}, ...(s?.allOf ?? []).map((p) => p.properties ?? {})) };
      return ["items", "nextCursor", "hasMore", "count"].every((k) => k in props);
    };
    const lists: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (isList(op.responses["200"]?.content?.["application/json"]?.schema?.$ref)) lists.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(lists.sort()).toEqual(Object.keys(LISTS).sort());
  });

  it.each(Object.keys(LISTS))("%s pages through everything once, newest first, with any limit", async (name) => {
    const c = LISTS[name] as ListCase;
    const byOne = await walk(c, 1);
    const byTwo = await walk(c, 2);
    const all = await expectOk(await send(c, ""), AnyPage); // default limit 50 holds them all
    expect(all).toMatchObject({ hasMore: false, nextCursor: null });
    const ids = all.items.map(c.idOf);
    expect(byOne.ids).toEqual(ids);
    expect(byTwo.ids).toEqual(ids);
    expect(byOne.pages).toBe(ids.length);
    for (const e of c.expected(f)) expect(ids).toContain(e);
    // Newest first: the last one created leads (the ledger's reasons are all alike).
    if (name !== "GET /admin/v1/accounts/{accountId}/credits")
      expect(ids.indexOf(c.expected(f).at(-1) as string)).toBeLessThan(ids.indexOf(c.expected(f)[0] as string));
  });

  it.each(Object.keys(LISTS))("%s refuses a cursor it did not issue, and a limit out of 1–200, at the field", async (name) => {
    const c = LISTS[name] as ListCase;
    const ownCursor = (await expectOk(await send(c, "?limit=1"), AnyPage)).nextCursor as string;
    // Another list's cursor: the products list issues them for the same account.
    const foreign =
      name === "GET /tryon/v1/products"
        ? (await expectOk(await api(f.acct, "/webhooks?limit=1"), AnyPage)).nextCursor
        : (await expectOk(await api(f.acct, "/products?limit=1"), AnyPage)).nextCursor;
    const forged = [
      foreign as string,
      "not-a-cursor",
      `${ownCursor}x`,
      base64UrlEncode(new TextEncoder().encode("v2.products.1")),
      base64UrlEncode(new TextEncoder().encode("v1.products.-1")),
      f.generationIds[0] as string, // the raw ids earlier versions used as cursors
      "17",
    ];
    for (const cursor of forged) {
      const env = await expectEnvelope(await send(c, `?cursor=${encodeURIComponent(cursor)}`), 400, "VALIDATION_FAILED");
      expect(env.details, cursor).toEqual([{ path: "cursor", message: expect.any(String) }]);
    }
    for (const limit of ["0", "201", "-1", "x"]) {
      const env = await expectEnvelope(await send(c, `?limit=${limit}`), 400, "VALIDATION_FAILED");
      expect(env.details, limit).toEqual([{ path: "limit", message: expect.any(String) }]);
    }
    expect((await expectOk(await send(c, "?limit=200"), AnyPage)).hasMore).toBe(false);
  });

  it("an integrator list shows only the caller's own items, whatever the cursor", async () => {
    for (const path of ["/products", "/generations", "/webhooks"]) {
      const mine = await expectOk(await api(f.acct, `${path}?limit=1`), AnyPage);
      const theirs = await expectOk(await api(f.other, `${path}?cursor=${encodeURIComponent(mine.nextCursor as string)}`), AnyPage);
      expect(theirs.items, path).toEqual([]);
    }
  });

  it("the at-rest re-seal batches resume with the same codec, and refuse a cursor they did not issue", async () => {
    for (const cursor of ["webhook_endpoints:", (await expectOk(await api(f.acct, "/products?limit=1"), AnyPage)).nextCursor as string]) {
      const res = await admin("/admin/v1/at-rest-key/reseal", { method: "POST", json: { cursor } });
      const env = await expectEnvelope(res, 400, "VALIDATION_FAILED");
      expect(env.details).toEqual([{ path: "cursor", message: expect.any(String) }]);
    }
  });

  it("documents one query for every list", () => {
    expect(PaginationQuerySchema.parse({})).toEqual({ limit: 50 });
  });
});
