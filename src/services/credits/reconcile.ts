import type { ServiceContext } from "../../context";
import { listUnsettledTerminalGenerations, markGenerationCreditState } from "../../db/repo/generation-credits";
import { describeError, log } from "../../lib/logger";
import { creditStateAfter, settle } from "./credits";

/** Terminal rows left unsettled this long are settled here (the pipeline normally does it at once). */
export const RECONCILE_GRACE_MS = 60_000;
export const RECONCILE_BATCH = 100;

/**
 * Credit reconciliation (D1 side): a generation that reached COMPLETED or
 * FAILED while `credit_state` still says "reserved" (a crash between the
 * terminal transition and the settle call) is committed or refunded now, then
 * marked. Both steps are idempotent, so racing the pipeline's own settle, or
 * another sweep, settles exactly once. The DO side (a reservation whose
 * generation was never recorded) is handled by the AccountGate alarm.
 */
export async function reconcileCredits(ctx: ServiceContext, now: number, graceMs: number = RECONCILE_GRACE_MS): Promise<Record<string, number>> {
  const rows = await listUnsettledTerminalGenerations(ctx.db, now - graceMs, RECONCILE_BATCH);
  let committed = 0;
  let refunded = 0;
  let failed = 0;
  for (const g of rows) {
    try {
      const op = g.status === "COMPLETED" ? "commit" : "refund";
      const res = await settle(ctx.env, g.accountId, g.id, op, `${g.errorCode ?? "GENERATION_FAILED"} (reconciled)`, g.apiKeyId);
      // What the ledger now says is what D1 records, even if another caller made the transition.
      await markGenerationCreditState(ctx.db, g.accountId, g.id, "reserved", creditStateAfter(res));
      if (res.changed && res.state === "committed") committed++;
      if (res.changed && res.state === "refunded") refunded++;
    } catch (err) {
      failed++;
      log("error", "credit reconciliation failed for a generation", { generationId: g.id, accountId: g.accountId, error: describeError(err) });
    }
  }
  return { found: rows.length, committed, refunded, failed };
}
