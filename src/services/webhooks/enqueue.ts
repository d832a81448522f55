import type { ServiceContext } from "../../context";
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
