import { log } from "../lib/logger";
import type { QueueOutcome } from "./messages";

/** A consumer acks or retries message by message, so one bad message never replays the whole batch. */
export type QueueConsumer = (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => Promise<void>;

/** Queue names as declared in wrangler.toml. */
export const QUEUE_NAMES = {
  generations: "drape-generations",
  generationsDlq: "drape-generations-dlq",
  webhooks: "drape-webhooks",
  webhooksDlq: "drape-webhooks-dlq",
} as const;

/** Routes a batch to its consumer by queue name. */
export async function dispatchQueue(
  consumers: Readonly<Record<string, QueueConsumer>>,
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  const consumer = consumers[batch.queue];
  if (consumer) return consumer(batch, env, ctx);
  log("error", "no consumer for queue; retrying batch later", { queue: batch.queue, size: batch.messages.length });
  batch.retryAll({ delaySeconds: 60 });
}

/** Acks the message, or retries it after the outcome's delay. */
export function applyOutcome(message: Message<unknown>, outcome: QueueOutcome): void {
  if (outcome.action === "retry") message.retry({ delaySeconds: outcome.delaySeconds });
  else message.ack();
}
