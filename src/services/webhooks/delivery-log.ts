import type { ServiceContext } from "../../context";
import * as repo from "../../db/repo/webhooks";
import { ApiError } from "../../errors";
import { newId } from "../../lib/ids";
import { livemodeOf } from "../../lib/modes";
import { idCursor, type Page, type PageRequest, pageOf } from "../../lib/pagination";
import { toIso } from "../../lib/time";
import { TEST_EVENT_TYPE, type WebhookAttemptView, type WebhookDeliveryView } from "../../schemas/webhooks";
import { requireEndpoint } from "./endpoints";
import { createDeliveries, enqueueDeliveries } from "./enqueue";

/** The delivery log of an endpoint: listing and reading deliveries with their attempts, manual retries, test events. */
export type { WebhookDeliveryView };

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
    livemode: livemodeOf(row.accountId),
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

const DELIVERY_CURSOR = idCursor("webhook-deliveries", "webhookDelivery");

export async function listDeliveries(
  ctx: ServiceContext,
  accountId: string,
  endpointId: string,
  input: PageRequest & { status?: repo.WebhookDeliveryRow["status"] | undefined },
): Promise<Page<WebhookDeliveryView>> {
  const before = DELIVERY_CURSOR.decode(input.cursor);
  await requireEndpoint(ctx, accountId, endpointId);
  const rows = await repo.listEndpointDeliveries(ctx.db, accountId, endpointId, { limit: input.limit + 1, before, status: input.status });
  return withAttempts(ctx, rows, input.limit);
}

/**
 * The account's whole delivery log, newest first: deliveries to its endpoints and to per-request
 * `webhookUrl`s (which have no endpoint), optionally one generation's and one status.
 */
export async function listAccountDeliveries(
  ctx: ServiceContext,
  accountId: string,
  input: PageRequest & { status?: repo.WebhookDeliveryRow["status"] | undefined; generationId?: string | undefined },
): Promise<Page<WebhookDeliveryView>> {
  const before = DELIVERY_CURSOR.decode(input.cursor);
  const rows = await repo.listAccountDeliveries(ctx.db, accountId, {
    limit: input.limit + 1,
    before,
    status: input.status,
    generationId: input.generationId,
  });
  return withAttempts(ctx, rows, input.limit);
}

/** The page of `rows` (read with limit + 1), each delivery with its attempts (one more query). */
async function withAttempts(ctx: ServiceContext, rows: repo.WebhookDeliveryRow[], limit: number): Promise<Page<WebhookDeliveryView>> {
  const page = pageOf(
    rows,
    limit,
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
  return retryRow(ctx, await requireDelivery(ctx, accountId, endpointId, deliveryId));
}

/** `retryDelivery` for any delivery of the account, by id alone: also one to a per-request `webhookUrl`. */
export async function retryAccountDelivery(ctx: ServiceContext, accountId: string, deliveryId: string): Promise<WebhookDeliveryView> {
  const row = await repo.findDelivery(ctx.db, accountId, deliveryId);
  if (!row) throw new ApiError("WEBHOOK_NOT_FOUND", `No webhook delivery ${deliveryId} on this account.`);
  return retryRow(ctx, row);
}

async function retryRow(ctx: ServiceContext, found: repo.WebhookDeliveryRow): Promise<WebhookDeliveryView> {
  let row = found;
  const scheduled = row.status === "PENDING";
  if (!scheduled) {
    row = (await repo.updateDelivery(ctx.db, row.accountId, row.id, { status: "PENDING", nextAttemptAt: ctx.now(), updatedAt: ctx.now() })) ?? row;
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
    livemode: livemodeOf(accountId),
    timestamp: toIso(now),
    data: { endpointId: endpoint.id, message: "This is a test event from Drape. Verify its signature and answer 2xx." },
  });
  const [row] = await createDeliveries(
    ctx,
    [{ id, accountId, endpointId: endpoint.id, url: endpoint.url, dedupeKey: `test:${id}`, generationId: null, eventType: TEST_EVENT_TYPE, payload }],
    now,
  );
  if (!row) throw new Error("test delivery insert returned no row");
  return presentDelivery(row, []);
}
