import type { ServiceContext } from "../../context";
import * as repo from "../../db/repo/webhooks";
import { newId } from "../../lib/ids";
import { log } from "../../lib/logger";
import { UnreadableSealError } from "../../lib/secret-box";
import type { QueueOutcome, WebhookMessage } from "../../queues";
import { loadGenerationView } from "../generations";
import { postOnce } from "./post";
import { DISABLE_AFTER_FAILING_MS, MAX_ATTEMPTS, MAX_QUEUE_DELAY_SECONDS, RETRY_SCHEDULE_SECONDS } from "./schedule";
import { defaultSigningSecrets, endpointSigningSecrets } from "./secrets";
import { webhookUrlVerdict } from "./url-policy";

/** Making one delivery attempt: the queue consumer's unit of work. */

/** Queue delays are never early; a message this far ahead of its delivery's schedule is a duplicate. */
const STALE_SLACK_MS = 30_000;

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
export async function processWebhookMessage(ctx: ServiceContext, msg: WebhookMessage, messageAttempts: number): Promise<QueueOutcome> {
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
  let outcome: QueueOutcome = { action: "ack" };
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
