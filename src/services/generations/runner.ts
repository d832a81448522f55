import type { EngineName } from "../../config";
import type { ServiceContext } from "../../context";
import { claimForPoll, claimForRun, type EngineAttempt, type GenerationRow, recordEngineJob, switchEngine } from "../../db/repo/generations";
import { type AiBinding, createEngine as defaultCreateEngine, type Engine, type EngineCost, type EngineResult } from "../../engines";
import type { RuntimeErrorCode } from "../../errors";
import { describeError, log } from "../../lib/logger";
import { timeStep } from "../../lib/step-timing";
import { type GenerationMessage, type GenerationMessageInput, GenerationMessageSchema, type QueueOutcome } from "../../queues";
import { admitEngine, reportEngine } from "../engines";
import { loadEngineInput, storeResult } from "./inputs";
import { completeGeneration, type EngineRecord, failGeneration } from "./lifecycle";

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
  createEngine?: (name: EngineName, opts: { config: ServiceContext["config"]; images?: ImagesBinding; ai?: AiBinding }) => Engine;
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
 * timed-out generation's late result is dropped, a superseded engine's message
 * or answer is dropped (the `hop` guard), and there is exactly one terminal
 * transition.
 */
export async function processGenerationMessage(ctx: ServiceContext, body: unknown, deliveryAttempt: number, deps: RunnerDeps = {}): Promise<QueueOutcome> {
  const msg = parseGenerationMessage(body);
  const hop = msg.hop ?? 0;
  const now = ctx.now();
  const row = msg.poll
    ? await claimForPoll(ctx.db, msg.accountId, msg.generationId, msg.poll.jobId, msg.poll.lease, now, hop)
    : await claimForRun(ctx.db, msg.accountId, msg.generationId, deliveryAttempt, now, hop);
  if (!row) return { action: "ack", note: "not claimable (duplicate, late, superseded, cancelled or terminal)" };

  if (row.deadlineAt <= now) {
    await fail(ctx, row, "GENERATION_TIMEOUT", "The generation did not finish before its deadline.");
    return { action: "ack", note: "past deadline" };
  }

  const input = await loadEngineInput(ctx, row, msg.poll ? msg.poll.count : 0);
  if ("failure" in input) {
    await fail(ctx, row, input.failure.code, input.failure.message);
    return { action: "ack", note: `inputs: ${input.failure.code}` };
  }

  // A poll continues a job the engine already accepted: it is not held back by the breaker.
  const admission = msg.poll ? { allowed: true, clean: false } : await admitEngine(ctx, row.engine);
  if (!admission.allowed) {
    return fallThrough(ctx, row, { engine: row.engine, outcome: "skipped", durationMs: 0 }, "its circuit breaker is open");
  }

  const create = deps.createEngine ?? defaultCreateEngine;
  let result: EngineResult;
  try {
    // `env.AI` is optional at run time: a deployment whose wrangler.toml drops [ai] has none.
    const ai: AiBinding | undefined = ctx.env.AI;
    const engine = create(row.engine as EngineName, { config: ctx.config, images: ctx.env.IMAGES, ai });
    result = await timeStep("engine", () => engine.run(input.value));
  } catch (err) {
    // An engine should answer `retry` for transient trouble; a throw is treated the same way.
    log("warn", "engine threw; treating as transient", { generationId: row.id, engine: row.engine, error: describeError(err) });
    result = { kind: "retry", message: "The engine failed unexpectedly." };
  }
  const outage = isOutage(result);
  // A success on a clean breaker changes nothing there: not reported.
  if (outage || !admission.clean) await reportEngine(ctx, row.engine, !outage);
  return settleResult(ctx, row, msg, result);
}

/** An answer that says the engine is down (transient trouble, or its own ENGINE_UNAVAILABLE), as the breaker counts it. */
function isOutage(result: EngineResult): boolean {
  return result.kind === "retry" || (result.kind === "failed" && result.code === "ENGINE_UNAVAILABLE");
}

/** This engine's attempt, timed from when it was first claimed (its retries and polls included). */
function attemptOf(ctx: ServiceContext, row: GenerationRow, outcome: EngineAttempt["outcome"], code?: string, cost?: EngineCost): EngineAttempt {
  const startedAt = row.engineStartedAt ?? row.startedAt ?? ctx.now();
  const attempt: EngineAttempt = { engine: row.engine, outcome, durationMs: Math.max(0, ctx.now() - startedAt) };
  if (code !== undefined) attempt.code = code;
  if (cost !== undefined) attempt.costUsdMicros = cost.usdMicros;
  return attempt;
}

/** The row's attempts with `attempt` appended, their summed cost (null when no engine reported one), and the hop that may finish. */
function recordOf(row: GenerationRow, attempt?: EngineAttempt): EngineRecord {
  const engineAttempts = [...(row.engineAttempts ?? []), ...(attempt ? [attempt] : [])];
  const costs = engineAttempts.flatMap((a) => (a.costUsdMicros === undefined ? [] : [a.costUsdMicros]));
  return { engineAttempts, costUsdMicros: costs.length > 0 ? costs.reduce((a, b) => a + b, 0) : null, hop: row.engineHop };
}

async function settleResult(ctx: ServiceContext, row: GenerationRow, msg: GenerationMessage, result: EngineResult): Promise<QueueOutcome> {
  switch (result.kind) {
    case "completed": {
      const stored = await storeResult(ctx, row, result);
      const record = recordOf(row, attemptOf(ctx, row, "completed", undefined, result.cost));
      const done = await completeGeneration(ctx, row.accountId, row.id, stored, row.createdAt, record);
      if (!done) {
        // Cancelled, timed out or handed to the next engine while this one ran: the result is discarded.
        await stored.discard();
        return { action: "ack", note: "late result discarded" };
      }
      return { action: "ack", note: "completed" };
    }
    case "failed":
      if (result.code === "ENGINE_UNAVAILABLE") return fallThrough(ctx, row, attemptOf(ctx, row, "unavailable", result.code, result.cost), result.message);
      // A typed content failure (NSFW, pose, garment, image…) is the answer: the next engine would see the same inputs.
      await fail(ctx, row, result.code, result.message, attemptOf(ctx, row, "failed", result.code, result.cost));
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
  const attempt = attemptOf(ctx, row, "unavailable", "ENGINE_UNAVAILABLE");
  return fallThrough(ctx, row, attempt, `it stayed unavailable after ${MAX_ENGINE_ATTEMPTS} attempts (last: ${lastMessage})`);
}

/**
 * The engine at the row's hop is unavailable (or skipped by its breaker): the
 * next engine of the generation's list takes over, under the same id and the
 * same reserved credit; after the last one the generation fails
 * ENGINE_UNAVAILABLE (and the credit is refunded, once, by the terminal
 * transition). The hand-over is a compare-and-set on the hop; its run message
 * names the new hop, so only it can claim the row. A lost message is re-sent
 * by the sweep (recoverLostMessages).
 */
async function fallThrough(ctx: ServiceContext, row: GenerationRow, attempt: EngineAttempt, why: string): Promise<QueueOutcome> {
  const list = row.engines ?? [row.engine];
  const record = recordOf(row, attempt);
  const next = list[row.engineHop + 1];
  if (next === undefined) {
    const tried = record.engineAttempts.map((a) => `${a.engine} (${a.outcome})`).join(", ");
    await failGeneration(
      ctx,
      row.accountId,
      row.id,
      ["PROCESSING"],
      { code: "ENGINE_UNAVAILABLE", message: `No engine could run the generation: ${row.engine}: ${why}. Tried: ${tried}.` },
      record,
    );
    return { action: "ack", note: `engine unavailable: ${row.engine}, no engine left` };
  }
  const moved = await switchEngine(ctx.db, row.accountId, row.id, row.engineHop, {
    engine: next,
    engineAttempts: record.engineAttempts,
    costUsdMicros: record.costUsdMicros,
    updatedAt: Math.max(ctx.now(), row.updatedAt + 1),
  });
  if (!moved) return { action: "ack", note: "left PROCESSING or already handed over" };
  log("info", "generation falls back to the next engine", { requestId: ctx.requestId, generationId: row.id, from: row.engine, to: next, why });
  try {
    const body: GenerationMessageInput = { generationId: row.id, accountId: row.accountId, hop: moved.engineHop };
    await ctx.env.GENERATIONS_QUEUE.send(body);
  } catch (err) {
    log("warn", "fallback run message not sent; the sweep re-sends it", { generationId: row.id, error: describeError(err) });
  }
  return { action: "ack", note: `fell back: ${row.engine} → ${next}` };
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
  const body: GenerationMessageInput = { generationId: row.id, accountId: row.accountId, hop: row.engineHop, poll: { jobId, lease, count, failures } };
  await ctx.env.GENERATIONS_QUEUE.send(body, { delaySeconds });
  return { action: "ack", note: `poll #${count} in ${delaySeconds}s` };
}

async function fail(ctx: ServiceContext, row: GenerationRow, code: RuntimeErrorCode, message: string, attempt?: EngineAttempt): Promise<void> {
  await failGeneration(ctx, row.accountId, row.id, ["PROCESSING"], { code, message }, recordOf(row, attempt));
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
