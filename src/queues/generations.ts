import { backgroundContext } from "../context";
import { describeError, log } from "../lib/logger";
import { backoffSeconds, PoisonMessageError, processDeadLetter, processGenerationMessage, type RunnerDeps } from "../services/generations";
import { applyOutcome, type QueueConsumer } from "./dispatch";

/**
 * `drape-generations`: one message at a time (an engine run can hold tens of
 * MB of decoded pixels; running a batch concurrently could exceed the isolate's
 * 128 MB), acked or retried one by one so a bad message never replays the
 * others. Unexpected errors retry with backoff; after max_retries the queue
 * moves the message to `drape-generations-dlq`.
 */
export function generationsConsumer(deps: RunnerDeps = {}): QueueConsumer {
  return async (batch, env) => {
    const ctx = backgroundContext(env);
    for (const message of batch.messages) {
      try {
        const outcome = await processGenerationMessage(ctx, message.body, message.attempts, deps);
        applyOutcome(message, outcome);
        log("info", "generation message", { queue: batch.queue, messageId: message.id, attempts: message.attempts, outcome: outcome.note });
      } catch (err) {
        if (err instanceof PoisonMessageError) {
          // Nothing can ever process it: straight through the retries into the DLQ.
          log("error", "poison generation message", { messageId: message.id, attempts: message.attempts });
          message.retry({ delaySeconds: 0 });
          continue;
        }
        log("error", "generation message failed; will retry", { messageId: message.id, attempts: message.attempts, error: describeError(err) });
        message.retry({ delaySeconds: backoffSeconds(message.attempts) });
      }
    }
  };
}

/** `drape-generations-dlq`: the generation of a message that exhausted its deliveries ends FAILED (refund + event). */
export const generationsDlqConsumer: QueueConsumer = async (batch, env) => {
  const ctx = backgroundContext(env);
  for (const message of batch.messages) {
    try {
      const outcome = await processDeadLetter(ctx, message.body);
      log("warn", "dead-lettered generation message", { messageId: message.id, outcome: outcome.note });
      message.ack();
    } catch (err) {
      log("error", "DLQ handling failed; will retry", { messageId: message.id, error: describeError(err) });
      message.retry({ delaySeconds: 30 });
    }
  }
};
