import type { ServiceContext } from "../../context";
import * as repo from "../../db/repo/webhooks";
import { ApiError } from "../../errors";
import { atRestKeyring } from "../../lib/at-rest-keys";
import { newId } from "../../lib/ids";
import { describeError, log } from "../../lib/logger";
import { idCursor, type Page, type PageRequest, pageOf } from "../../lib/pagination";
import { checkUrlSafety, classifyIpLiteral } from "../../lib/safe-fetch";
import { openSecret, sealSecret, UnreadableSealError } from "../../lib/secret-box";
import { toIso } from "../../lib/time";
import { generateWebhookSecret } from "../../lib/webhook-signing";
import {
  TEST_EVENT_TYPE,
  WEBHOOK_EVENT_TYPES,
  type WebhookAttemptView,
  type WebhookDeliveryView,
  type WebhookEndpointView,
  type WebhookEventType,
} from "../../schemas/webhooks";
import { enqueueDeliveries } from "./enqueue";

/**
 * Webhook endpoints of an account: CRUD, signing secrets (encrypted at rest,
 * readable by the owner, rotated with an overlap), the account's default
 * secret for per-request `webhookUrl`s, test events and manual retries.
 */
export type { WebhookDeliveryView, WebhookEndpointView };

/** Stripe allows 16; a handful is plenty for fan-out and keeps one event's deliveries in one D1 batch. */
export const MAX_ENDPOINTS_PER_ACCOUNT = 20;
/** Default rotation overlap: the old secret keeps signing this long beside the new one (Svix's default). */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 86400;

export type DisabledReason = "manual" | "gone" | "failing";

// ---- URL rules -------------------------------------------------------------------

/**
 * Throws VALIDATION_FAILED (at `path`) unless `url` may receive webhooks:
 * https only, no IP literals in private/loopback/link-local/CGNAT ranges, no
 * localhost/.local/.internal. The dev flag ALLOW_LOOPBACK_FETCH lets
 * http://localhost and 127.0.0.1 through. Returns the normalised URL.
 */
export function validateWebhookUrl(ctx: ServiceContext, url: string, path = "webhookUrl"): string {
  const verdict = webhookUrlVerdict(ctx, url);
  if (!verdict.ok) {
    throw new ApiError("VALIDATION_FAILED", `The webhook URL is not allowed: ${verdict.reason}`, {
      details: [{ path, message: verdict.reason }],
    });
  }
  return verdict.url;
}

/** The same rule as `validateWebhookUrl`, as a value (the consumer re-checks before every attempt). */
export function webhookUrlVerdict(ctx: ServiceContext, url: string): { ok: true; url: string } | { ok: false; reason: string } {
  const allowLoopback = ctx.config.ALLOW_LOOPBACK_FETCH;
  const verdict = checkUrlSafety(url, { allowLoopback, allowedSchemes: ["https:"] });
  if (verdict.ok) return { ok: true, url: verdict.url.href };
  if (allowLoopback) {
    // Dev flag: a local receiver may speak plain http, and only a local one.
    const lax = checkUrlSafety(url, { allowLoopback: true, allowedSchemes: ["http:", "https:"] });
    if (lax.ok && isLoopbackHost(lax.url.hostname)) return { ok: true, url: lax.url.href };
  }
  return { ok: false, reason: verdict.reason };
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || classifyIpLiteral(host)?.cls === "loopback";
}

// ---- secrets -------------------------------------------------------------------------

const endpointAad = (endpointId: string) => `webhook_endpoints:${endpointId}`;
const defaultAad = (accountId: string) => `webhook_default_secrets:${accountId}`;

interface SecretRow {
  secretEnc: string;
  previousSecretEnc: string | null;
  previousSecretExpiresAt: number | null;
}

function previousActive(row: SecretRow, now: number): boolean {
  return row.previousSecretEnc !== null && row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt > now;
}

const PURPOSE = "webhook-secret";

function seal(ctx: ServiceContext, secret: string, aad: string): Promise<string> {
  return atRestKeyring(ctx.env).then((ring) => sealSecret(ring, PURPOSE, secret, aad));
}

async function open(ctx: ServiceContext, sealed: string, aad: string): Promise<string> {
  return openSecret(await atRestKeyring(ctx.env), PURPOSE, sealed, aad);
}

/** A signing secret this deployment's at-rest keys cannot open: the envelope an owner sees. */
function unreadable(err: UnreadableSealError): ApiError {
  const which = err.keyId ? `at-rest key ${err.keyId}` : "an at-rest key";
  return new ApiError(
    "ENCRYPTED_DATA_UNREADABLE",
    `This webhook signing secret was encrypted with ${which}, which this deployment no longer has. Rotate the secret to get a new one, or ask the operator to restore the key as AT_REST_KEY_PREVIOUS.`,
    { details: { keyId: err.keyId, reason: err.reason } },
  );
}

/**
 * The secrets that sign a message now: the current one, plus the previous one
 * during its overlap. A previous secret the keys cannot open is left out (the
 * current one still signs); an unreadable current one throws UnreadableSealError.
 */
async function signingSecrets(ctx: ServiceContext, row: SecretRow, aad: string): Promise<string[]> {
  const out = [await open(ctx, row.secretEnc, aad)];
  if (previousActive(row, ctx.now()) && row.previousSecretEnc) {
    try {
      out.push(await open(ctx, row.previousSecretEnc, aad));
    } catch (err) {
      if (!(err instanceof UnreadableSealError)) throw err;
      log("warn", "previous webhook secret unreadable with the current at-rest keys; signing with the current secret only", { aad, error: describeError(err) });
    }
  }
  return out;
}

export function endpointSigningSecrets(ctx: ServiceContext, row: repo.WebhookEndpointRow): Promise<string[]> {
  return signingSecrets(ctx, row, endpointAad(row.id));
}

export async function defaultSigningSecrets(ctx: ServiceContext, accountId: string): Promise<string[]> {
  const row = await ensureDefaultSecretRow(ctx, accountId);
  return signingSecrets(ctx, row, defaultAad(accountId));
}

/** A rotation patch: the current ciphertext becomes the previous one (same row, same AAD) for `overlapSeconds`. */
async function rotationPatch(ctx: ServiceContext, row: SecretRow, aad: string, overlapSeconds: number) {
  const now = ctx.now();
  const secret = generateWebhookSecret();
  return {
    secret,
    patch: {
      secretEnc: await seal(ctx, secret, aad),
      previousSecretEnc: overlapSeconds > 0 ? row.secretEnc : null,
      previousSecretExpiresAt: overlapSeconds > 0 ? now + overlapSeconds * 1000 : null,
      updatedAt: now,
    },
  };
}

export interface SecretView {
  secret: string;
  previousSecretExpiresAt: string | null;
}

async function secretView(ctx: ServiceContext, row: SecretRow, aad: string): Promise<SecretView> {
  let secret: string;
  try {
    secret = await open(ctx, row.secretEnc, aad);
  } catch (err) {
    if (err instanceof UnreadableSealError) throw unreadable(err);
    throw err;
  }
  return { secret, previousSecretExpiresAt: previousActive(row, ctx.now()) ? toIso(row.previousSecretExpiresAt) : null };
}

// ---- endpoints ------------------------------------------------------------------------

export function presentEndpoint(ctx: ServiceContext, row: repo.WebhookEndpointRow): WebhookEndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: parseEvents(row.events),
    enabled: row.enabled,
    disabledReason: row.enabled ? null : ((row.disabledReason as DisabledReason | null) ?? "manual"),
    failingSince: toIso(row.failingSince),
    previousSecretExpiresAt: previousActive(row, ctx.now()) ? toIso(row.previousSecretExpiresAt) : null,
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
  };
}

export function parseEvents(text: string): WebhookEventType[] {
  try {
    const list: unknown = JSON.parse(text);
    if (Array.isArray(list)) return WEBHOOK_EVENT_TYPES.filter((t) => list.includes(t));
  } catch {
    // fall through: a corrupt list subscribes to nothing rather than everything
  }
  return [];
}

async function requireEndpoint(ctx: ServiceContext, accountId: string, id: string): Promise<repo.WebhookEndpointRow> {
  const row = await repo.findEndpoint(ctx.db, accountId, id);
  if (!row) throw new ApiError("WEBHOOK_NOT_FOUND", `No webhook endpoint ${id} on this account.`);
  return row;
}

export interface CreateEndpointInput {
  url: string;
  events?: WebhookEventType[] | undefined;
  description?: string | null | undefined;
  enabled?: boolean | undefined;
}

export async function createEndpoint(
  ctx: ServiceContext,
  accountId: string,
  input: CreateEndpointInput,
): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
  const url = validateWebhookUrl(ctx, input.url, "url");
  if ((await repo.countEndpoints(ctx.db, accountId)) >= MAX_ENDPOINTS_PER_ACCOUNT) {
    throw new ApiError("VALIDATION_FAILED", `An account can have at most ${MAX_ENDPOINTS_PER_ACCOUNT} webhook endpoints.`, {
      details: [{ path: "", message: `at most ${MAX_ENDPOINTS_PER_ACCOUNT} endpoints per account; delete one first` }],
    });
  }
  const now = ctx.now();
  const id = newId("webhookEndpoint", now);
  const secret = generateWebhookSecret();
  const enabled = input.enabled ?? true;
  const row = await repo.insertEndpoint(ctx.db, {
    id,
    accountId,
    url,
    description: input.description ?? null,
    events: JSON.stringify(input.events ?? [...WEBHOOK_EVENT_TYPES]),
    enabled,
    disabledReason: enabled ? null : "manual",
    secretEnc: await seal(ctx, secret, endpointAad(id)),
    createdAt: now,
    updatedAt: now,
  });
  return { endpoint: presentEndpoint(ctx, row), secret };
}

const ENDPOINT_CURSOR = idCursor("webhook-endpoints", "webhookEndpoint");
const DELIVERY_CURSOR = idCursor("webhook-deliveries", "webhookDelivery");

export async function listEndpoints(ctx: ServiceContext, accountId: string, page: PageRequest): Promise<Page<WebhookEndpointView>> {
  const rows = await repo.listEndpoints(ctx.db, accountId, page.limit + 1, ENDPOINT_CURSOR.decode(page.cursor));
  return pageOf(
    rows,
    page.limit,
    ENDPOINT_CURSOR,
    (r) => r.id,
    (r) => presentEndpoint(ctx, r),
  );
}

export async function getEndpoint(ctx: ServiceContext, accountId: string, id: string): Promise<WebhookEndpointView> {
  return presentEndpoint(ctx, await requireEndpoint(ctx, accountId, id));
}

export async function updateEndpoint(ctx: ServiceContext, accountId: string, id: string, input: Partial<CreateEndpointInput>): Promise<WebhookEndpointView> {
  const url = input.url === undefined ? undefined : validateWebhookUrl(ctx, input.url, "url");
  await requireEndpoint(ctx, accountId, id);
  const patch: Parameters<typeof repo.updateEndpoint>[3] = { updatedAt: ctx.now() };
  if (url !== undefined) patch.url = url;
  if (input.events !== undefined) patch.events = JSON.stringify(input.events);
  if (input.description !== undefined) patch.description = input.description;
  if (input.enabled === true) Object.assign(patch, { enabled: true, disabledReason: null, failingSince: null });
  if (input.enabled === false) Object.assign(patch, { enabled: false, disabledReason: "manual" });
  const row = await repo.updateEndpoint(ctx.db, accountId, id, patch);
  if (!row) throw new ApiError("WEBHOOK_NOT_FOUND", `No webhook endpoint ${id} on this account.`);
  return presentEndpoint(ctx, row);
}

/** Deleting stops all pending deliveries to it (they end FAILED on their next attempt); the log stays until the retention purge. */
export async function deleteEndpoint(ctx: ServiceContext, accountId: string, id: string): Promise<void> {
  if (!(await repo.deleteEndpoint(ctx.db, accountId, id))) throw new ApiError("WEBHOOK_NOT_FOUND", `No webhook endpoint ${id} on this account.`);
}

export async function getEndpointSecret(ctx: ServiceContext, accountId: string, id: string): Promise<SecretView> {
  const row = await requireEndpoint(ctx, accountId, id);
  return secretView(ctx, row, endpointAad(id));
}

export async function rotateEndpointSecret(
  ctx: ServiceContext,
  accountId: string,
  id: string,
  overlapSeconds: number = DEFAULT_ROTATION_OVERLAP_SECONDS,
): Promise<SecretView> {
  const row = await requireEndpoint(ctx, accountId, id);
  const { patch } = await rotationPatch(ctx, row, endpointAad(id), overlapSeconds);
  const updated = await repo.updateEndpoint(ctx.db, accountId, id, patch);
  if (!updated) throw new ApiError("WEBHOOK_NOT_FOUND", `No webhook endpoint ${id} on this account.`);
  return secretView(ctx, updated, endpointAad(id));
}

// ---- default secret (per-request webhookUrl) -------------------------------------------------

async function ensureDefaultSecretRow(ctx: ServiceContext, accountId: string): Promise<repo.WebhookDefaultSecretRow> {
  const existing = await repo.findDefaultSecret(ctx.db, accountId);
  if (existing) return existing;
  const now = ctx.now();
  return repo.ensureDefaultSecret(ctx.db, {
    accountId,
    secretEnc: await seal(ctx, generateWebhookSecret(), defaultAad(accountId)),
    createdAt: now,
    updatedAt: now,
  });
}

/** Creates the account's default secret if it has none (without opening it). */
export async function ensureDefaultSecret(ctx: ServiceContext, accountId: string): Promise<void> {
  await ensureDefaultSecretRow(ctx, accountId);
}

/** The account's default signing secret, created on first need. */
export async function getDefaultSecret(ctx: ServiceContext, accountId: string): Promise<SecretView> {
  return secretView(ctx, await ensureDefaultSecretRow(ctx, accountId), defaultAad(accountId));
}

export async function rotateDefaultSecret(
  ctx: ServiceContext,
  accountId: string,
  overlapSeconds: number = DEFAULT_ROTATION_OVERLAP_SECONDS,
): Promise<SecretView> {
  const row = await ensureDefaultSecretRow(ctx, accountId);
  const { patch } = await rotationPatch(ctx, row, defaultAad(accountId), overlapSeconds);
  const updated = await repo.updateDefaultSecret(ctx.db, accountId, patch);
  if (!updated) throw new Error("default secret vanished during rotation");
  return secretView(ctx, updated, defaultAad(accountId));
}

// ---- deliveries --------------------------------------------------------------------------

function presentAttempt(row: repo.WebhookAttemptRow): WebhookAttemptView {
  return {
    id: row.id,
    attemptNo: row.attemptNo,
    statusCode: row.statusCode,
    latencyMs: row.latencyMs,
    responseSnippet: row.responseSnippet,
    error: row.error,
    createdAt: toIso(row.createdAt),
  };
}

export function presentDelivery(row: repo.WebhookDeliveryRow, attempts: repo.WebhookAttemptRow[]): WebhookDeliveryView {
  let payload: unknown = null;
  try {
    payload = JSON.parse(row.payload);
  } catch {
    payload = row.payload;
  }
  return {
    id: row.id,
    endpointId: row.endpointId,
    url: row.url,
    eventType: row.eventType,
    generationId: row.generationId,
    status: row.status,
    attemptCount: row.attemptCount,
    nextAttemptAt: row.status === "PENDING" ? toIso(row.nextAttemptAt) : null,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    payload,
    attempts: attempts.map(presentAttempt),
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
  };
}

export async function listDeliveries(
  ctx: ServiceContext,
  accountId: string,
  endpointId: string,
  input: PageRequest & { status?: repo.WebhookDeliveryRow["status"] | undefined },
): Promise<Page<WebhookDeliveryView>> {
  const before = DELIVERY_CURSOR.decode(input.cursor);
  await requireEndpoint(ctx, accountId, endpointId);
  const rows = await repo.listEndpointDeliveries(ctx.db, accountId, endpointId, { limit: input.limit + 1, before, status: input.status });
  const page = pageOf(
    rows,
    input.limit,
    DELIVERY_CURSOR,
    (r) => r.id,
    (r) => r,
  );
  const attempts = await repo.listAttempts(
    ctx.db,
    page.items.map((r) => r.id),
  );
  const byDelivery = new Map<string, repo.WebhookAttemptRow[]>();
  for (const a of attempts) byDelivery.set(a.deliveryId, [...(byDelivery.get(a.deliveryId) ?? []), a]);
  return { ...page, items: page.items.map((r) => presentDelivery(r, byDelivery.get(r.id) ?? [])) };
}

async function requireDelivery(ctx: ServiceContext, accountId: string, endpointId: string, deliveryId: string): Promise<repo.WebhookDeliveryRow> {
  await requireEndpoint(ctx, accountId, endpointId);
  const row = await repo.findEndpointDelivery(ctx.db, accountId, endpointId, deliveryId);
  if (!row) throw new ApiError("WEBHOOK_NOT_FOUND", `No delivery ${deliveryId} for webhook endpoint ${endpointId}.`);
  return row;
}

export async function getDelivery(ctx: ServiceContext, accountId: string, endpointId: string, deliveryId: string): Promise<WebhookDeliveryView> {
  const row = await requireDelivery(ctx, accountId, endpointId, deliveryId);
  return presentDelivery(row, await repo.listAttempts(ctx.db, [row.id]));
}

/**
 * Manual retry: one immediate attempt with the same `webhook-id`. A delivery
 * still on its automatic schedule keeps that schedule if the manual attempt
 * fails; a finished one (SUCCEEDED or FAILED) goes back to PENDING for this
 * one attempt and ends FAILED again if it fails.
 */
export async function retryDelivery(ctx: ServiceContext, accountId: string, endpointId: string, deliveryId: string): Promise<WebhookDeliveryView> {
  let row = await requireDelivery(ctx, accountId, endpointId, deliveryId);
  const scheduled = row.status === "PENDING";
  if (!scheduled) {
    row = (await repo.updateDelivery(ctx.db, accountId, deliveryId, { status: "PENDING", nextAttemptAt: ctx.now(), updatedAt: ctx.now() })) ?? row;
  }
  await enqueueDeliveries(ctx, [row], { manual: { scheduled } });
  return presentDelivery(row, await repo.listAttempts(ctx.db, [row.id]));
}

/** Sends a signed `webhook.test` event through the normal delivery path (also to a disabled endpoint, to check a fix). */
export async function sendTestEvent(ctx: ServiceContext, accountId: string, endpointId: string): Promise<WebhookDeliveryView> {
  const endpoint = await requireEndpoint(ctx, accountId, endpointId);
  const now = ctx.now();
  const id = newId("webhookDelivery", now);
  const payload = JSON.stringify({
    type: TEST_EVENT_TYPE,
    timestamp: toIso(now),
    data: { endpointId: endpoint.id, message: "This is a test event from Drape. Verify its signature and answer 2xx." },
  });
  const [row] = await repo.insertDeliveries(ctx.db, [
    {
      id,
      accountId,
      endpointId: endpoint.id,
      url: endpoint.url,
      dedupeKey: `test:${id}`,
      generationId: null,
      eventType: TEST_EVENT_TYPE,
      payload,
      status: "PENDING",
      attemptCount: 0,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    },
  ]);
  if (!row) throw new Error("test delivery insert returned no row");
  await enqueueDeliveries(ctx, [row]);
  return presentDelivery(row, []);
}
