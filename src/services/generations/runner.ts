import type { EngineName } from "../../config";
import type { ServiceContext } from "../../context";
import { claimForPoll, claimForRun, type GenerationRow, recordEngineJob } from "../../db/repo/generations";
import { createEngine as defaultCreateEngine, type Engine, type EngineResult } from "../../engines";
import type { RuntimeErrorCode } from "../../errors";
import { describeError, log } from "../../lib/logger";
import { timeStep } from "../../lib/step-timing";
import { type GenerationMessage, type GenerationMessageInput, GenerationMessageSchema, type QueueOutcome } from "../../queues";
import { loadEngineInput, storeResult } from "./inputs";
import { completeGeneration, failGeneration } from "./lifecycle";

/** Engine attempts for one generation (first run + retries); then ENGINE_UNAVAILABLE. */
export const MAX_ENGINE_ATTEMPTS = 3;
/** Backoff before engine attempt n+1: 2^n × 5 s (10 s, 20 s, …), capped. */
export function backoffSeconds(attempt: number): number {
  return Math.min(2 ** Math.max(1, attempt) * 5, 300);
}
/** Bounds for a remote engine's "poll again in" hint. */
const MIN_POLL_SECONDS = 1;
const MAX_POLL_SECONDS = 60;

/** A message that can never be processed (unparseable): the queue retries it into the DLQ. */
export class PoisonMessageError extends Error {
  override readonly name = "PoisonMessageError";
}

export interface RunnerDeps {
  createEngine?: (name: EngineName, opts: { config: ServiceContext["config"]; images?: ImagesBinding }) => Engine;
}

/** Parses a queue body or throws PoisonMessageError. */
export function parseGenerationMessage(body: unknown): GenerationMessage {
  const parsed = GenerationMessageSchema.safeParse(body);
  if (!parsed.success) throw new PoisonMessageError("unparseable drape-generations message");
  return parsed.data;
}

/**
 * Handles one `drape-generations` delivery. `deliveryAttempt` is the queue's
 * `message.attempts` (1 for the first delivery). Every state change is a
 * compare-and-set, so duplicate or late deliveries are no-ops, a cancelled or
 * timed-out generation's late result is dropped, and there is exactly one
 * terminal transition.
 */
export async function processGenerationMessage(ctx: ServiceContext, body: unknown, deliveryAttempt: number, deps: RunnerDeps = {}): Promise<QueueOutcome> {
  const msg = parseGenerationMessage(body);
  const now = ctx.now();
  const row = msg.poll
    ? await claimForPoll(ctx.db, msg.accountId, msg.generationId, msg.poll.jobId, msg.poll.lease, now)
    : await claimForRun(ctx.db, msg.accountId, msg.generationId, deliveryAttempt, now);
  if (!row) return { action: "ack", note: "not claimable (duplicate, late, cancelled or terminal)" };

  if (row.deadlineAt <= now) {
    await fail(ctx, row, "GENERATION_TIMEOUT", "The generation did not finish before its deadline.");
    return { action: "ack", note: "past deadline" };
  }

  const input = await loadEngineInput(ctx, row, msg.poll ? msg.poll.count : 0);
  if ("failure" in input) {
    await fail(ctx, row, input.failure.code, input.failure.message);
    return { action: "ack", note: `inputs: ${input.failure.code}` };
  }

  const create = deps.createEngine ?? defaultCreateEngine;
  let result: EngineResult;
  try {
    const engine = create(row.engine as EngineName, { config: ctx.config, images: ctx.env.IMAGES });
    result = await timeStep("engine", () => engine.run(input.value));
  } catch (err) {
    // An engine should answer `retry` for transient trouble; a throw is treated the same way.
    log("warn", "engine threw; treating as transient", { generationId: row.id, engine: row.engine, error: describeError(err) });
    result = { kind: "retry", message: "The engine failed unexpectedly." };
  }
  return settleResult(ctx, row, msg, result);
}

async function settleResult(ctx: ServiceContext, row: GenerationRow, msg: GenerationMessage, result: EngineResult): Promise<QueueOutcome> {
  switch (result.kind) {
    case "completed": {
      const stored = await storeResult(ctx, row, result);
      const done = await completeGeneration(ctx, row.accountId, row.id, stored, row.createdAt);
      if (!done) {
        // Cancelled or timed out while the engine ran: the result is discarded.
        await stored.discard();
        return { action: "ack", note: "late result discarded" };
      }
      return { action: "ack", note: "completed" };
    }
    case "failed":
      await fail(ctx, row, result.code, result.message);
      return { action: "ack", note: `failed: ${result.code}` };
    case "pending":
      return enqueuePoll(ctx, row, result.jobId, msg.poll ? msg.poll.count + 1 : 0, 0, result.pollAfterSeconds);
    case "retry": {
      if (msg.poll) {
        const failures = msg.poll.failures + 1;
        if (failures >= MAX_ENGINE_ATTEMPTS) return giveUp(ctx, row, result.message);
        const delay = Math.max(result.retryAfterSeconds ?? 0, backoffSeconds(failures));
        return enqueuePoll(ctx, row, msg.poll.jobId, msg.poll.count, failures, delay);
      }
      if (row.attempts >= MAX_ENGINE_ATTEMPTS) return giveUp(ctx, row, result.message);
      // The row stays PROCESSING with `attempts` = this attempt; the redelivery
      // (attempt + 1) is the only message allowed to re-claim it.
      const delaySeconds = Math.max(result.retryAfterSeconds ?? 0, backoffSeconds(row.attempts));
      return { action: "retry", delaySeconds, note: `transient: ${result.message}` };
    }
  }
}

async function giveUp(ctx: ServiceContext, row: GenerationRow, lastMessage: string): Promise<QueueOutcome> {
  await fail(ctx, row, "ENGINE_UNAVAILABLE", `The ${row.engine} engine stayed unavailable after ${MAX_ENGINE_ATTEMPTS} attempts (last: ${lastMessage}).`);
  return { action: "ack", note: "gave up" };
}

/**
 * Records the upstream job and sends the poll message with a fresh lease
 * (`updated_at`), so only that message can claim the next step.
 */
async function enqueuePoll(
  ctx: ServiceContext,
  row: GenerationRow,
  jobId: string,
  count: number,
  failures: number,
  afterSeconds: number,
): Promise<QueueOutcome> {
  const lease = await recordEngineJob(ctx.db, row.accountId, row.id, jobId, row.updatedAt, Math.max(ctx.now(), row.updatedAt + 1));
  if (lease === undefined) return { action: "ack", note: "left PROCESSING while the engine ran" };
  const delaySeconds = Math.min(MAX_POLL_SECONDS, Math.max(MIN_POLL_SECONDS, Math.round(afterSeconds)));
  const body: GenerationMessageInput = { generationId: row.id, accountId: row.accountId, poll: { jobId, lease, count, failures } };
  await ctx.env.GENERATIONS_QUEUE.send(body, { delaySeconds });
  return { action: "ack", note: `poll #${count} in ${delaySeconds}s` };
}

async function fail(ctx: ServiceContext, row: GenerationRow, code: RuntimeErrorCode, message: string): Promise<void> {
  await failGeneration(ctx, row.accountId, row.id, ["PROCESSING"], { code, message });
}

/**
 * The DLQ side: a message that exhausted its deliveries ends its generation
 * FAILED (GENERATION_FAILED) with refund and event. Unparseable bodies are
 * logged and dropped.
 */
export async function processDeadLetter(ctx: ServiceContext, body: unknown): Promise<QueueOutcome> {
  let msg: GenerationMessage;
  try {
    msg = parseGenerationMessage(body);
  } catch {
    log("error", "dead-lettered generation message is unparseable; dropped", { requestId: ctx.requestId });
    return { action: "ack", note: "unparseable" };
  }
  const row = await failGeneration(ctx, msg.accountId, msg.generationId, ["PENDING", "PROCESSING"], {
    code: "GENERATION_FAILED",
    message: "The generation could not be processed after repeated attempts.",
  });
  return { action: "ack", note: row ? "failed from DLQ" : "already terminal" };
}
