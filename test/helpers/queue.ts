import { createExecutionContext, createMessageBatch, getQueueResult, type QueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../src";

export interface ConsumerRun extends QueueResult {
  /** `message.retry()` calls with their options (the harness's QueueResult drops `delaySeconds`). */
  retries: Array<{ msgId: string; delaySeconds: number | undefined }>;
}

/**
 * Runs the Worker's own queue handler on one batch of `queue` messages and
 * returns the ack/retry result. `vars` overrides configuration for this run (a
 * fresh env object gets its own parsed config).
 */
export async function runQueueBatch(
  queue: string,
  messages: Array<{ body: unknown; attempts?: number; id?: string }>,
  vars?: Record<string, string>,
): Promise<ConsumerRun> {
  const batch = createMessageBatch<unknown>(
    queue,
    messages.map((m, i) => ({ id: m.id ?? `m${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts: m.attempts ?? 1, body: m.body })),
  );
  const retries: ConsumerRun["retries"] = [];
  for (const message of batch.messages) {
    const original = message.retry.bind(message);
    message.retry = (opts?: QueueRetryOptions) => {
      retries.push({ msgId: message.id, delaySeconds: opts?.delaySeconds });
      original(opts);
    };
  }
  const ctx = createExecutionContext();
  await worker.queue(batch, vars ? ({ ...env, ...vars } as Env) : env, ctx);
  return { ...(await getQueueResult(batch, ctx)), retries };
}
