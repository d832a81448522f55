import { backgroundContext } from "../context";
import { describeError, log } from "../lib/logger";
import { abandonDelivery, processWebhookMessage } from "../services/webhooks";
import { applyOutcome, type QueueConsumer } from "./dispatch";
import { WebhookMessageSchema } from "./messages";

/**
 * `drape-webhooks`: one delivery attempt per message, messages in parallel
 * (each waits up to 10 s on its receiver). Every message is acked or retried
 * on its own; the retry delay is the webhook schedule, not the queue's default.
 */
export const consumeWebhooks: QueueConsumer = async (batch, env) => {
  const ctx = backgroundContext(env);
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = WebhookMessageSchema.safeParse(message.body);
      if (!parsed.success) {
        log("error", "malformed webhook message dropped", { messageId: message.id });
        message.ack();
        return;
      }
      try {
        applyOutcome(message, await processWebhookMessage(ctx, parsed.data, message.attempts));
      } catch (err) {
        // Our own failure (D1, crypto), not the receiver's: retry soon; after max_retries it goes to the DLQ.
        log("error", "webhook attempt crashed", { deliveryId: parsed.data.deliveryId, error: describeError(err) });
        message.retry({ delaySeconds: 30 });
      }
    }),
  );
};

/** `drape-webhooks-dlq`: deliveries whose messages kept crashing end FAILED (visible in the delivery log). */
export const consumeWebhooksDlq: QueueConsumer = async (batch, env) => {
  const ctx = backgroundContext(env);
  for (const message of batch.messages) {
    try {
      const parsed = WebhookMessageSchema.safeParse(message.body);
      if (parsed.success) await abandonDelivery(ctx, parsed.data);
      message.ack();
    } catch (err) {
      log("error", "webhook DLQ handling failed", { error: describeError(err) });
      message.retry({ delaySeconds: 300 });
    }
  }
};
