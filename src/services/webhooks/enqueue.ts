import type { ServiceContext } from "../../context";

/**
 * What travels on the `drape-webhooks` queue: only ids (the payload stays in
 * D1, far under the 128 KB message cap). `manual` marks a one-shot attempt
 * asked for through POST …/deliveries/{id}/retry; `scheduled` says whether the
 * delivery's automatic schedule is still running beside it.
 */
export interface WebhookMessage {
  accountId: string;
  deliveryId: string;
  manual?: { scheduled: boolean };
  /** Attempts already made before this message (set when the sweep re-enqueues a lost retry), so the schedule resumes where it was. */
  offset?: number;
}

export function isWebhookMessage(body: unknown): body is WebhookMessage {
  if (typeof body !== "object" || body === null) return false;
  const b = body as Record<string, unknown>;
  return typeof b.accountId === "string" && typeof b.deliveryId === "string";
}

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
