import type { ServiceContext } from "../../context";
import * as repo from "../../db/repo/webhooks";
import { newId } from "../../lib/ids";
import type { WebhookMessage } from "../../queues";

/** Sends one message per delivery (in batches of 100, the Queues limit). */
export async function enqueueDeliveries(
  ctx: ServiceContext,
  deliveries: ReadonlyArray<{ id: string; accountId: string; attemptCount?: number }>,
  opts: { manual?: { scheduled: boolean }; resume?: boolean } = {},
): Promise<void> {
  const messages = deliveries.map((d) => {
    const body: WebhookMessage = { accountId: d.accountId, deliveryId: d.id };
    if (opts.manual) body.manual = opts.manual;
    if (opts.resume && d.attemptCount) body.offset = d.attemptCount;
    return { body };
  });
  for (let i = 0; i < messages.length; i += 100) {
    await ctx.env.WEBHOOKS_QUEUE.sendBatch(messages.slice(i, i + 100));
  }
}

/** What a new delivery is for; the rest of its row (PENDING, first attempt due now) is the same for all. */
export type NewDelivery = Pick<repo.WebhookDeliveryRow, "accountId" | "endpointId" | "url" | "dedupeKey" | "generationId" | "eventType" | "payload"> & {
  /** Set when the caller needs the id beforehand (e.g. in the dedupe key). */
  id?: string;
};

/**
 * Records deliveries PENDING with their first attempt due now, then sends
 * their messages (`now`: the time the event was made). A dedupe key already used creates nothing; returns the rows
 * this call created. If the send fails, the sweep re-enqueues deliveries that
 * never had an attempt.
 */
export async function createDeliveries(ctx: ServiceContext, deliveries: readonly NewDelivery[], now: number = ctx.now()): Promise<repo.WebhookDeliveryRow[]> {
  const created = await repo.insertDeliveries(
    ctx.db,
    deliveries.map((d) => ({
      ...d,
      id: d.id ?? newId("webhookDelivery", now),
      status: "PENDING" as const,
      attemptCount: 0,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    })),
  );
  await enqueueDeliveries(ctx, created);
  return created;
}
