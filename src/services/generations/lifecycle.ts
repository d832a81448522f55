import type { EngineName } from "../../config";
import type { ServiceContext } from "../../context";
import { type EngineAttempt, finishGeneration, type GenerationRow, markEventEmitted, setCreditState, type TerminalPatch } from "../../db/repo/generations";
import type { GenerationStatus } from "../../db/schema/generations";
import { createEngine } from "../../engines";
import { isRetryable, type RuntimeErrorCode } from "../../errors";
import { describeError, log } from "../../lib/logger";
import { creditStateAfter, settle } from "../credits";
import { onGenerationFinished } from "./events";

/**
 * Terminal transitions of a generation. There is exactly one per generation:
 * each is a conditional UPDATE from the states it may leave; only the caller
 * whose UPDATE returned the row settles the credit and emits the event.
 * Settlement is also re-run by the sweep for rows whose settlement was
 * interrupted, so every step here is idempotent (credits and events dedupe by
 * generation id; the row flags are set only once).
 */

const MAX_MESSAGE = 500;

export interface FailureInput {
  code: RuntimeErrorCode;
  message: string;
}

/** What the runner adds to a terminal transition: the engine attempts and their summed cost, and the hop that may finish. */
export interface EngineRecord {
  engineAttempts: EngineAttempt[];
  costUsdMicros: number | null;
  /** Only the engine at this hop of the fallback list may finish the generation. */
  hop: number;
}

/** FAILED with a typed runtime code, from any of `from`. Returns the row if this call made the transition. */
export async function failGeneration(
  ctx: ServiceContext,
  accountId: string,
  id: string,
  from: readonly GenerationStatus[],
  failure: FailureInput,
  engines?: EngineRecord,
): Promise<GenerationRow | undefined> {
  const now = ctx.now();
  const row = await finishGeneration(
    ctx.db,
    accountId,
    id,
    from,
    {
      status: "FAILED",
      errorCode: failure.code,
      errorMessage: failure.message.slice(0, MAX_MESSAGE),
      retryable: isRetryable(failure.code),
      completedAt: now,
      updatedAt: now,
      durationMs: null,
      ...(engines ? { engineAttempts: engines.engineAttempts, costUsdMicros: engines.costUsdMicros } : {}),
    } satisfies TerminalPatch,
    engines?.hop,
  );
  if (!row) return undefined;
  log("info", "generation failed", { requestId: ctx.requestId, generationId: id, accountId, errorCode: failure.code });
  await settleGeneration(ctx, row);
  return row;
}

export interface CompletionInput {
  resultImageId: string;
  resultR2Key: string;
  resultExpiresAt: number | null;
}

/** COMPLETED, only from PROCESSING (a cancelled or timed-out generation's late result is discarded). */
export async function completeGeneration(
  ctx: ServiceContext,
  accountId: string,
  id: string,
  result: CompletionInput,
  createdAt: number,
  engines?: EngineRecord,
): Promise<GenerationRow | undefined> {
  const now = ctx.now();
  const row = await finishGeneration(
    ctx.db,
    accountId,
    id,
    ["PROCESSING"],
    {
      status: "COMPLETED",
      resultImageId: result.resultImageId,
      resultR2Key: result.resultR2Key,
      resultExpiresAt: result.resultExpiresAt,
      errorCode: null,
      errorMessage: null,
      retryable: null,
      completedAt: now,
      updatedAt: now,
      // End-to-end: what the integrator waited, from acceptance to the result.
      durationMs: Math.max(0, now - createdAt),
      ...(engines ? { engineAttempts: engines.engineAttempts, costUsdMicros: engines.costUsdMicros } : {}),
    } satisfies TerminalPatch,
    engines?.hop,
  );
  if (!row) return undefined;
  log("info", "generation completed", { requestId: ctx.requestId, generationId: id, accountId, durationMs: row.durationMs });
  await settleGeneration(ctx, row);
  return row;
}

/**
 * Credit settlement then the "generation finished" event, each recorded on
 * the row once done. Failures are logged and left for the sweep to redo.
 */
export async function settleGeneration(ctx: ServiceContext, row: GenerationRow): Promise<void> {
  if (row.status !== "COMPLETED" && row.status !== "FAILED") return;
  try {
    if (row.creditState === "reserved") {
      const op = row.status === "COMPLETED" ? "commit" : "refund";
      const res = await settle(ctx.env, row.accountId, row.id, op, row.errorCode ?? "GENERATION_FAILED", row.apiKeyId);
      // Record what the ledger says, not what was asked (they differ if a refund already happened).
      await setCreditState(ctx.db, row.accountId, row.id, creditStateAfter(res));
    }
    if (row.eventEmittedAt === null) {
      await onGenerationFinished(ctx.env, { accountId: row.accountId, generationId: row.id, status: row.status, webhookUrl: row.webhookUrl });
      await markEventEmitted(ctx.db, row.accountId, row.id, ctx.now());
    }
  } catch (err) {
    log("error", "generation settlement interrupted; the sweep will finish it", {
      requestId: ctx.requestId,
      generationId: row.id,
      error: describeError(err),
    });
  }
}

/** Asks the engine to stop the remote job of a generation that was just failed; best effort (a refusal is logged and ignored). */
export async function cancelRemoteJob(ctx: ServiceContext, row: GenerationRow): Promise<void> {
  if (!row.engineJobId) return;
  try {
    await createEngine(row.engine as EngineName, { config: ctx.config }).cancel?.(row.engineJobId);
  } catch (err) {
    log("warn", "upstream cancel failed (ignored)", { requestId: ctx.requestId, generationId: row.id, error: describeError(err) });
  }
}
