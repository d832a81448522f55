import type { EngineName } from "../../config";
import type { ServiceContext } from "../../context";
import { findGeneration, type GenerationFilters, listGenerations } from "../../db/repo/generations";
import { createEngine } from "../../engines";
import { ApiError } from "../../errors";
import { describeError, log } from "../../lib/logger";
import { idCursor, type Page, type PageRequest, pageOf } from "../../lib/pagination";
import type { GenerationView } from "../../schemas/generations";
import { failGeneration } from "./lifecycle";
import { deliverAccepted, findAcceptedGeneration } from "./outbox";
import { generationNotOwned, presentGeneration } from "./view";

export interface GenerationListQuery extends GenerationFilters, PageRequest {}

const GENERATION_CURSOR = idCursor("generations", "generation");

/** One page of the account's generations, newest first; the cursor is the last id of the page. */
export async function listGenerationViews(ctx: ServiceContext, accountId: string, q: GenerationListQuery): Promise<Page<GenerationView>> {
  const before = GENERATION_CURSOR.decode(q.cursor);
  if (q.from !== undefined && q.to !== undefined && q.from > q.to) {
    throw new ApiError("VALIDATION_FAILED", "`from` must not be after `to`.", { details: [{ path: "from", message: "from is after to" }] });
  }
  await deliverAccepted(ctx, accountId);
  const rows = await listGenerations(ctx.db, accountId, q, q.limit, before);
  const page = pageOf(
    rows,
    q.limit,
    GENERATION_CURSOR,
    (row) => row.id,
    (row) => row,
  );
  return { ...page, items: page.items.map((row) => presentGeneration(ctx, row)) };
}

/**
 * Cancels a PENDING or PROCESSING generation: FAILED with GENERATION_CANCELLED
 * (so four-status clients keep working), credit refunded, event emitted. A
 * running engine's late result is discarded by the consumer's conditional
 * UPDATE; a remote job is also cancelled upstream, best effort.
 */
export async function cancelGeneration(ctx: ServiceContext, accountId: string, id: string): Promise<GenerationView> {
  await deliverAccepted(ctx, accountId);
  const row = await failGeneration(ctx, accountId, id, ["PENDING", "PROCESSING"], {
    code: "GENERATION_CANCELLED",
    message: "The generation was cancelled by the client.",
  });
  if (!row) {
    const existing = await findGeneration(ctx.db, accountId, id);
    if (!existing) throw await generationNotOwned(ctx, accountId, id);
    throw new ApiError("GENERATION_NOT_CANCELLABLE", `The generation is already ${existing.status}.`);
  }
  if (row.engineJobId) {
    try {
      const engine = createEngine(row.engine as EngineName, { config: ctx.config });
      await engine.cancel?.(row.engineJobId);
    } catch (err) {
      log("warn", "upstream cancel failed (ignored)", { requestId: ctx.requestId, generationId: id, error: describeError(err) });
    }
  }
  return presentGeneration(ctx, row);
}

const SYNC_POLL_INTERVAL_MS = 1000;

/**
 * Holds until the generation is terminal or `waitSeconds` pass, reading D1 at
 * most once a second. Returns the presented generation either way; the route
 * answers 200 when it is terminal and 202 otherwise.
 */
export async function waitForGeneration(
  ctx: ServiceContext,
  accountId: string,
  id: string,
  waitSeconds: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<GenerationView> {
  const deadline = ctx.now() + waitSeconds * 1000;
  for (;;) {
    // The generation was just accepted: sleep first, then look.
    const remaining = deadline - ctx.now();
    if (remaining > 0) await sleep(Math.min(SYNC_POLL_INTERVAL_MS, remaining));
    const row = await findAcceptedGeneration(ctx, accountId, id);
    if (!row) throw new ApiError("GENERATION_NOT_FOUND", `No generation ${id} on this account.`);
    if (row.status === "COMPLETED" || row.status === "FAILED" || deadline - ctx.now() <= 0) return presentGeneration(ctx, row);
  }
}

/**
 * The wait of POST /try-on/sync, after the generation was accepted (credit
 * held, message queued). From here the request must not fail with a 5xx: the
 * Idempotency-Key would be released and the client's retry would start, and
 * charge, a second generation. A failure while waiting (D1 unreachable…) just
 * ends the wait: null, and the route answers 202 with the accepted generation.
 */
export async function waitAfterAcceptance(
  ctx: ServiceContext,
  accountId: string,
  id: string,
  waitSeconds: number,
  sleep?: (ms: number) => Promise<void>,
): Promise<GenerationView | null> {
  try {
    return await waitForGeneration(ctx, accountId, id, waitSeconds, sleep);
  } catch (err) {
    log("warn", "sync wait failed after acceptance; answering 202", { requestId: ctx.requestId, generationId: id, error: describeError(err) });
    return null;
  }
}
