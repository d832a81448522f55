import type { ServiceContext } from "../../context";
import {
  findOverdue,
  findStaleHandOvers,
  findStalePending,
  findStalledPolls,
  findUnemitted,
  takeOverStalledPoll,
  touchStaleHandOver,
  touchStalePending,
} from "../../db/repo/generations";
import { MINUTE } from "../../lib/time";
import type { GenerationMessageInput } from "../../queues";
import { cancelRemoteJob, failGeneration, settleGeneration } from "./lifecycle";

/** Rows handled per step per run; the next minute picks up the rest. */
export const SWEEP_BATCH = 100;
/** A PENDING generation untouched this long probably lost its queue message. */
export const LOST_MESSAGE_AFTER_MS = 2 * MINUTE;
/** Terminal rows left unsettled this long are settled by the sweep (the consumer normally does it at once). */
export const UNSETTLED_AFTER_MS = MINUTE;

/** PENDING/PROCESSING past `deadline_at` → FAILED GENERATION_TIMEOUT (refund + event); remote jobs cancelled best effort. */
export async function timeOutOverdue(ctx: ServiceContext, now: number): Promise<Record<string, number>> {
  const due = await findOverdue(ctx.db, now, SWEEP_BATCH);
  let timedOut = 0;
  for (const g of due) {
    const row = await failGeneration(ctx, g.accountId, g.id, ["PENDING", "PROCESSING"], {
      code: "GENERATION_TIMEOUT",
      message: "The generation did not finish before its deadline.",
    });
    if (!row) continue;
    timedOut++;
    await cancelRemoteJob(ctx, row);
  }
  return { found: due.length, timedOut };
}

/**
 * PENDING generations older than LOST_MESSAGE_AFTER_MS get a fresh `run`
 * message. Safe if the original message was merely slow: the consumer's claim
 * lets exactly one delivery run. `updated_at` is moved first (compare-and-set)
 * so two overlapping sweeps do not both send.
 */
export async function recoverLostMessages(ctx: ServiceContext, now: number): Promise<Record<string, number>> {
  const stale = await findStalePending(ctx.db, now - LOST_MESSAGE_AFTER_MS, now, SWEEP_BATCH);
  let requeued = 0;
  for (const g of stale) {
    if (!(await touchStalePending(ctx.db, g.accountId, g.id, g.updatedAt, now))) continue;
    const body: GenerationMessageInput = { generationId: g.id, accountId: g.accountId };
    await ctx.env.GENERATIONS_QUEUE.send(body);
    requeued++;
  }
  // Remote jobs whose poll chain broke (message lost, or a consumer died between claiming a poll
  // and enqueueing the next): take over the lease and send a fresh poll carrying it.
  const stalled = await findStalledPolls(ctx.db, now - LOST_MESSAGE_AFTER_MS, now, SWEEP_BATCH);
  let repolled = 0;
  for (const g of stalled) {
    if (!(await takeOverStalledPoll(ctx.db, g.accountId, g.id, g.updatedAt, now))) continue;
    const body: GenerationMessageInput = {
      generationId: g.id,
      accountId: g.accountId,
      hop: g.engineHop,
      poll: { jobId: g.engineJobId, lease: now, count: 1, failures: 0 },
    };
    await ctx.env.GENERATIONS_QUEUE.send(body);
    repolled++;
  }
  // Generations handed to a fallback engine whose run message was lost: a fresh run message for that hop.
  const handOvers = await findStaleHandOvers(ctx.db, now - LOST_MESSAGE_AFTER_MS, now, SWEEP_BATCH);
  let handedOver = 0;
  for (const g of handOvers) {
    if (!(await touchStaleHandOver(ctx.db, g.accountId, g.id, g.updatedAt, now))) continue;
    const body: GenerationMessageInput = { generationId: g.id, accountId: g.accountId, hop: g.engineHop };
    await ctx.env.GENERATIONS_QUEUE.send(body);
    handedOver++;
  }
  return { found: stale.length, requeued, stalledPolls: stalled.length, repolled, staleHandOvers: handOvers.length, handedOver };
}

/**
 * Finishes generations whose event a consumer left unemitted (settleGeneration
 * also settles the credit if it is still reserved; the credit reconciler
 * covers rows whose event did go out).
 */
export async function settleStragglers(ctx: ServiceContext, now: number): Promise<Record<string, number>> {
  const rows = await findUnemitted(ctx.db, now - UNSETTLED_AFTER_MS, SWEEP_BATCH);
  for (const row of rows) await settleGeneration(ctx, row);
  return { settled: rows.length };
}
