import type { ServiceContext } from "../../context";
import { pruneDevOutbox, pruneEmailTokens, pruneFormSubmissions, pruneSessions, pruneWebauthnChallenges } from "../../db/repo/dashboard-prune";
import { DAY } from "../../lib/time";
import { SESSION_IDLE_MS } from "./sessions";

/** Rows per table per run: the sweep runs every minute, so a backlog drains over a few runs. */
export const PRUNE_BATCH = 500;
/** The dev outbox keeps a few days of email (enough to follow a link sent earlier). */
export const DEV_OUTBOX_KEEP_MS = 3 * DAY;

/**
 * The sweep's `dashboardState` step: deletes dashboard rows nothing can use any more (expired,
 * idle or revoked sessions; used or expired email links; expired WebAuthn challenges and
 * remembered form answers; dev-outbox email older than DEV_OUTBOX_KEEP_MS). Bounded per run and
 * idempotent: each delete selects what is dead at `now`, so a repeat finds nothing more.
 */
export async function pruneDashboardState(ctx: ServiceContext, now: number): Promise<Record<string, number>> {
  return {
    sessions: await pruneSessions(ctx.db, now, now - SESSION_IDLE_MS, PRUNE_BATCH),
    emailTokens: await pruneEmailTokens(ctx.db, now, PRUNE_BATCH),
    webauthnChallenges: await pruneWebauthnChallenges(ctx.db, now, PRUNE_BATCH),
    formSubmissions: await pruneFormSubmissions(ctx.db, now, PRUNE_BATCH),
    devOutbox: await pruneDevOutbox(ctx.db, now - DEV_OUTBOX_KEEP_MS, PRUNE_BATCH),
  };
}
