import type { ServiceContext } from "../../context";
import * as repo from "../../db/repo/webhooks";
import { DAY, MINUTE } from "../../lib/time";
import type { WebhookMessage } from "../../queues";
import { enqueueDeliveries } from "./enqueue";

/** Dead letters and the cron sweep: retention purge of the delivery log, re-enqueue of lost messages. */

/** A PENDING delivery this far past its next attempt lost its queue message; the sweep re-enqueues it. */
const OVERDUE_MS = 15 * MINUTE;
/** Oldest delivery the sweep looks at: the whole schedule (≈ 27.6 h) plus Retry-After slack. */
const RECOVERY_WINDOW_MS = 3 * DAY;
/** Retention purge: deliveries per batch (under D1's 100 bound parameters) and batches per cron tick. */
const PURGE_BATCH = 90;
const PURGE_MAX_BATCHES = 10;

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
