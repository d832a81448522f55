import type { ServiceContext } from "../../context";
import * as repo from "../../db/repo/webhooks";
import { ApiError } from "../../errors";
import { elapsedMs, now } from "../../lib/clock";
import { newId } from "../../lib/ids";
import { describeError, log } from "../../lib/logger";
import { UnreadableSealError } from "../../lib/secret-box";
import { DAY, MINUTE, toIso } from "../../lib/time";
import { webhookHeaders } from "../../lib/webhook-signing";
import type { GenerationView } from "../../schemas/generations";
import type { WebhookEventType } from "../../schemas/webhooks";
import { loadGenerationView } from "../generations";
import { defaultSigningSecrets, endpointSigningSecrets, ensureDefaultSecret, parseEvents, webhookUrlVerdict } from "./endpoints";
import { enqueueDeliveries, type WebhookMessage } from "./enqueue";

/**
 * Turning a finished generation into deliveries, and making one delivery
 * attempt (the queue consumer's unit of work).
 *
 * Retry schedule (Svix / Standard Webhooks): the first attempt at once, then
 * after ≈ 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: 8 attempts over ≈ 27.6 h,
 * each gap within the Queues 12 h delay cap.
 */
export const RETRY_SCHEDULE_SECONDS = [5, 300, 1800, 7200, 18000, 36000, 36000] as const;
export const MAX_ATTEMPTS = RETRY_SCHEDULE_SECONDS.length + 1;
/** Queues' maximum `delaySeconds` (12 h); a receiver's Retry-After is clamped to it. */
export const MAX_QUEUE_DELAY_SECONDS = 43200;
/** An endpoint whose attempts fail without a break for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * DAY;
const SNIPPET_BYTES = 1024;
/** Queue delays are never early; a message this far ahead of its delivery's schedule is a duplicate. */
const STALE_SLACK_MS = 30_000;
/** A PENDING delivery this far past its next attempt lost its queue message; the sweep re-enqueues it. */
const OVERDUE_MS = 15 * MINUTE;
/** Oldest delivery the sweep looks at: the whole schedule (≈ 27.6 h) plus Retry-After slack. */
const RECOVERY_WINDOW_MS = 3 * DAY;
const USER_AGENT = "Drape-Webhooks/1.0 (+https://www.standardwebhooks.com)";
/** Retention purge: deliveries per batch (under D1's 100 bound parameters) and batches per cron tick. */
const PURGE_BATCH = 90;
const PURGE_MAX_BATCHES = 10;

// ---- creating deliveries -----------------------------------------------------------

export interface GenerationFinishedInput {
  accountId: string;
  generationId: string;
  status: "COMPLETED" | "FAILED";
  webhookUrl: string | null;
}

/**
 * One delivery per enabled endpoint subscribed to the event, plus one for the
 * per-request URL. The dedupe key (generation × target) makes a second call
 * for the same generation create and enqueue nothing. Returns the deliveries
 * created by this call.
 */
export async function createGenerationDeliveries(ctx: ServiceContext, input: GenerationFinishedInput): Promise<repo.WebhookDeliveryRow[]> {
  const eventType: WebhookEventType = input.status === "COMPLETED" ? "generation.completed" : "generation.failed";
  const endpoints = (await repo.listEnabledEndpoints(ctx.db, input.accountId)).filter((e) => parseEvents(e.events).includes(eventType));
  const perRequestUrl = input.webhookUrl ? webhookUrlVerdict(ctx, input.webhookUrl) : null;
  if (perRequestUrl && !perRequestUrl.ok) {
    // Validated at acceptance; a rule change since then (e.g. the dev flag) still wins.
    log("warn", "per-request webhook URL no longer allowed; skipped", { generationId: input.generationId, reason: perRequestUrl.reason });
  }
  const targets: Array<{ endpointId: string | null; url: string; dedupeKey: string }> = endpoints.map((e) => ({
    endpointId: e.id,
    url: e.url,
    dedupeKey: `gen:${input.generationId}:${e.id}`,
  }));
  if (perRequestUrl?.ok) targets.push({ endpointId: null, url: perRequestUrl.url, dedupeKey: `gen:${input.generationId}:request` });
  if (targets.length === 0) return [];

  let data: GenerationView | undefined;
  try {
    data = await loadGenerationView(ctx, input.accountId, input.generationId);
  } catch (err) {
    if (err instanceof ApiError && err.code === "GENERATION_NOT_FOUND") {
      log("warn", "finished generation not found; no webhook event", { generationId: input.generationId });
      return [];
    }
    throw err;
  }
  const now = ctx.now();
  const payload = JSON.stringify({ type: eventType, timestamp: toIso(now), data });
  if (perRequestUrl?.ok) await ensureDefaultSecret(ctx, input.accountId); // created on first need, before the consumer races for it

  const created = await repo.insertDeliveries(
    ctx.db,
    targets.map((t) => ({
      id: newId("webhookDelivery", now),
      accountId: input.accountId,
      endpointId: t.endpointId,
      url: t.url,
      dedupeKey: t.dedupeKey,
      generationId: input.generationId,
      eventType,
      payload,
      status: "PENDING" as const,
      attemptCount: 0,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    })),
  );
  // If this send fails, the sweep re-enqueues deliveries that never had an attempt.
  await enqueueDeliveries(ctx, created);
  return created;
}

// ---- one attempt -------------------------------------------------------------------------

export type AttemptOutcome = { action: "ack" } | { action: "retry"; delaySeconds: number };

interface Target {
  url: string;
  /** null when the signing secret cannot be opened (`unsignable` says why): the attempt fails without sending. */
  secrets: string[] | null;
  unsignable: string | null;
  endpoint: repo.WebhookEndpointRow | null;
}

/**
 * Processes one queue message: makes the delivery's next attempt unless it is
 * already finished (idempotent under redelivery), records it, and says whether
 * the queue should retry the message and after how long. `messageAttempts` is
 * the queue's 1-based attempt counter for this message (drives the schedule).
 */
export async function processWebhookMessage(ctx: ServiceContext, msg: WebhookMessage, messageAttempts: number): Promise<AttemptOutcome> {
  const delivery = await repo.findDelivery(ctx.db, msg.accountId, msg.deliveryId);
  if (delivery?.status !== "PENDING") return { action: "ack" };
  // A scheduled message arriving well before the delivery's next attempt is a stale copy
  // (its retry was already re-enqueued by the sweep and made): drop it.
  if (!msg.manual && delivery.nextAttemptAt !== null && delivery.nextAttemptAt > ctx.now() + STALE_SLACK_MS) return { action: "ack" };

  const target = await resolveTarget(ctx, delivery);
  if ("failure" in target) {
    await repo.updateDelivery(ctx.db, delivery.accountId, delivery.id, {
      status: "FAILED",
      nextAttemptAt: null,
      lastError: target.failure,
      updatedAt: ctx.now(),
    });
    return { action: "ack" };
  }

  const claimed = await repo.claimAttempt(ctx.db, delivery.accountId, delivery.id, delivery.attemptCount, ctx.now());
  if (!claimed) return { action: "ack" }; // another copy of this message is making this attempt
  const attemptNo = claimed.attemptCount;

  const body = attemptNo > 1 ? await refreshedPayload(ctx, delivery) : delivery.payload;
  const result = target.secrets
    ? await postOnce(ctx, target.url, target.secrets, delivery.id, body)
    : { statusCode: null, latencyMs: 0, snippet: null, error: target.unsignable, retryAfterSeconds: null };
  const now = ctx.now();

  // Position in the schedule: attempts of this message, plus those made before it was (re-)enqueued.
  const scheduleStep = (msg.offset ?? 0) + messageAttempts;
  let status: repo.WebhookDeliveryRow["status"] = "PENDING";
  let nextAttemptAt: number | null = delivery.nextAttemptAt;
  let outcome: AttemptOutcome = { action: "ack" };
  const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
  // Only an enabled endpoint's health is tracked: a test event to a disabled endpoint (checking a
  // fix before re-enabling) must not rewrite why it was disabled or start a failing streak, and
  // an attempt we could not sign is our fault, not the receiver's.
  const tracked = target.endpoint?.enabled && target.secrets ? target.endpoint : null;

  if (ok) {
    status = "SUCCEEDED";
    nextAttemptAt = null;
    if (tracked) await repo.markEndpointHealthy(ctx.db, delivery.accountId, tracked.id);
  } else if (result.statusCode === 410) {
    // 410 Gone: the receiver asks us to stop (Standard Webhooks): disable now, no retries.
    status = "FAILED";
    nextAttemptAt = null;
    if (tracked) await disableEndpoint(ctx, tracked, "gone");
  } else {
    let endpointDisabled = false;
    if (tracked) {
      const ep = await repo.markEndpointFailing(ctx.db, delivery.accountId, tracked.id, now);
      if (ep?.failingSince != null && now - ep.failingSince >= DISABLE_AFTER_FAILING_MS) {
        await disableEndpoint(ctx, ep, "failing");
        endpointDisabled = true;
      }
    }
    if (endpointDisabled) {
      status = "FAILED";
      nextAttemptAt = null;
    } else if (msg.manual) {
      // A manual attempt never extends the automatic schedule.
      if (!msg.manual.scheduled) {
        status = "FAILED";
        nextAttemptAt = null;
      }
    } else if (scheduleStep >= MAX_ATTEMPTS) {
      status = "FAILED";
      nextAttemptAt = null;
    } else {
      const scheduled: number = RETRY_SCHEDULE_SECONDS[Math.max(0, scheduleStep - 1)] ?? MAX_QUEUE_DELAY_SECONDS;
      const delaySeconds = result.retryAfterSeconds ?? scheduled;
      nextAttemptAt = now + delaySeconds * 1000;
      outcome = { action: "retry", delaySeconds };
    }
  }

  await repo.recordAttempt(
    ctx.db,
    delivery.accountId,
    {
      id: newId("webhookAttempt", now),
      deliveryId: delivery.id,
      attemptNo,
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      responseSnippet: result.snippet,
      error: result.error,
      createdAt: now,
    },
    {
      status,
      nextAttemptAt,
      lastStatusCode: result.statusCode,
      lastError: result.error,
      updatedAt: now,
      url: target.url,
      payload: body,
    },
  );
  log(ok ? "info" : "warn", "webhook attempt", {
    deliveryId: delivery.id,
    endpointId: delivery.endpointId,
    attemptNo,
    statusCode: result.statusCode,
    latencyMs: result.latencyMs,
    outcome: status,
    error: result.error,
  });
  return outcome;
}

async function resolveTarget(ctx: ServiceContext, delivery: repo.WebhookDeliveryRow): Promise<Target | { failure: string }> {
  let url = delivery.url;
  let endpoint: repo.WebhookEndpointRow | null = null;
  if (delivery.endpointId) {
    const found = await repo.findEndpoint(ctx.db, delivery.accountId, delivery.endpointId);
    if (!found) return { failure: "endpoint deleted" };
    // Test events go to disabled endpoints too, so a fix can be checked before re-enabling.
    if (!found.enabled && delivery.eventType !== "webhook.test") return { failure: `endpoint disabled (${found.disabledReason ?? "manual"})` };
    endpoint = found;
    url = found.url; // an endpoint whose URL was fixed receives its pending retries at the new URL
  }
  const verdict = webhookUrlVerdict(ctx, url);
  if (!verdict.ok) return { failure: `destination not allowed: ${verdict.reason}` };
  try {
    const secrets = endpoint ? await endpointSigningSecrets(ctx, endpoint) : await defaultSigningSecrets(ctx, delivery.accountId);
    return { url: verdict.url, secrets, unsignable: null, endpoint };
  } catch (err) {
    if (!(err instanceof UnreadableSealError)) throw err;
    // Retried on the normal schedule: restoring the key as AT_REST_KEY_PREVIOUS lets a later attempt through.
    const which = err.keyId ? `at-rest key ${err.keyId}` : "an at-rest key";
    log("error", "webhook signing secret unreadable; attempt not sent", {
      deliveryId: delivery.id,
      endpointId: delivery.endpointId,
      keyId: err.keyId,
      reason: err.reason,
    });
    return {
      url: verdict.url,
      secrets: null,
      unsignable: `not sent: the signing secret is encrypted with ${which}, which this deployment no longer has (operator: restore it as AT_REST_KEY_PREVIOUS; owner: rotate the secret)`,
      endpoint,
    };
  }
}

/** Later attempts carry a freshly signed result URL (the one in the first attempt may have expired); same type and timestamp. */
async function refreshedPayload(ctx: ServiceContext, delivery: repo.WebhookDeliveryRow): Promise<string> {
  if (!delivery.generationId) return delivery.payload;
  try {
    const previous = JSON.parse(delivery.payload) as { type: string; timestamp: string };
    const data = await loadGenerationView(ctx, delivery.accountId, delivery.generationId);
    return JSON.stringify({ type: previous.type, timestamp: previous.timestamp, data });
  } catch {
    return delivery.payload; // generation purged: resend what was stored
  }
}

async function disableEndpoint(ctx: ServiceContext, endpoint: repo.WebhookEndpointRow, reason: "gone" | "failing"): Promise<void> {
  await repo.updateEndpoint(ctx.db, endpoint.accountId, endpoint.id, { enabled: false, disabledReason: reason, updatedAt: ctx.now() });
  log("warn", "webhook endpoint disabled", { endpointId: endpoint.id, reason });
}

interface PostResult {
  statusCode: number | null;
  latencyMs: number;
  snippet: string | null;
  error: string | null;
  retryAfterSeconds: number | null;
}

/** One signed POST: 10 s timeout, redirects not followed (a 3xx is a failure), first 1 KB of the answer kept. */
async function postOnce(ctx: ServiceContext, url: string, secrets: string[], msgId: string, body: string): Promise<PostResult> {
  const timestampSec = Math.floor(ctx.now() / 1000);
  const headers = {
    ...(await webhookHeaders(secrets, msgId, timestampSec, body)),
    "content-type": "application/json",
    "user-agent": USER_AGENT,
  };
  const timeoutMs = ctx.config.WEBHOOK_TIMEOUT_SECONDS * 1000;
  const started = now();
  try {
    const res = await fetch(url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    const snippet = await readSnippet(res);
    const error =
      res.status >= 300 && res.status < 400 ? `redirect not followed (${res.status})` : res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`;
    return {
      statusCode: res.status,
      latencyMs: elapsedMs(started),
      snippet,
      error,
      retryAfterSeconds: res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get("retry-after"), ctx.now()) : null,
    };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    return {
      statusCode: null,
      latencyMs: elapsedMs(started),
      snippet: null,
      error: timedOut ? `timeout: no response within ${ctx.config.WEBHOOK_TIMEOUT_SECONDS} s` : describeError(err),
      retryAfterSeconds: null,
    };
  }
}

async function readSnippet(res: Response): Promise<string | null> {
  if (!res.body) return null;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch {
    // a body cut short still leaves what was read
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(Math.min(total, SNIPPET_BYTES));
  let offset = 0;
  for (const c of chunks) {
    const part = c.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.length;
    if (offset >= bytes.length) break;
  }
  return new TextDecoder().decode(bytes);
}

/** Retry-After as delay-seconds or an HTTP date, clamped to [1 s, 12 h]; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  let seconds: number;
  if (/^\d+$/.test(trimmed)) seconds = Number(trimmed);
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return null;
    seconds = Math.ceil((at - now) / 1000);
  }
  return Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(1, seconds));
}

// ---- dead letters and the sweep -------------------------------------------------------

/** A message that exhausted the queue's own retries (repeated internal errors): the delivery ends FAILED. */
export async function abandonDelivery(ctx: ServiceContext, msg: WebhookMessage): Promise<void> {
  const row = await repo.findDelivery(ctx.db, msg.accountId, msg.deliveryId);
  if (row?.status !== "PENDING") return;
  await repo.updateDelivery(ctx.db, msg.accountId, msg.deliveryId, {
    status: "FAILED",
    nextAttemptAt: null,
    lastError: "abandoned after repeated internal errors",
    updatedAt: ctx.now(),
  });
}

/**
 * Cron step: purge delivery logs past retention, and re-enqueue PENDING
 * deliveries whose queue message was lost (never attempted 10 min after
 * creation, or 15 min past their next attempt), resuming their schedule.
 */
export async function sweepWebhookDeliveries(ctx: ServiceContext): Promise<Record<string, number>> {
  const now = ctx.now();
  // Several bounded batches per tick: one batch of 90 a minute fell behind any account
  // creating more than 90 deliveries a minute, so records outlived their retention.
  let purged = 0;
  for (let batch = 0; batch < PURGE_MAX_BATCHES; batch++) {
    const n = await repo.purgeDeliveries(ctx.db, now - ctx.config.WEBHOOK_RETENTION_DAYS * DAY, PURGE_BATCH);
    purged += n;
    if (n < PURGE_BATCH) break;
  }
  const stranded = await repo.findOverdueDeliveries(
    ctx.db,
    { createdAfter: now - RECOVERY_WINDOW_MS, createdBefore: now - 10 * MINUTE, overdueBefore: now - OVERDUE_MS, neverAttemptedBefore: now - 10 * MINUTE },
    100,
  );
  if (stranded.length > 0) {
    await repo.touchDeliveries(
      ctx.db,
      stranded.map((d) => d.id),
      now,
    );
    await enqueueDeliveries(ctx, stranded, { resume: true });
  }
  return { purged, requeued: stranded.length };
}
