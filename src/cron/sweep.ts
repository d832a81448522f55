import { backgroundContext } from "../context";
import { describeError, log } from "../lib/logger";
import { reconcileCredits } from "../services/credits";
import { recoverLostMessages, settleStragglers, timeOutOverdue } from "../services/generations";
import { sweepRetention } from "../services/retention";
import { pruneDashboardState } from "../services/users";
import { sweepWebhookDeliveries } from "../services/webhooks";

/** One scheduled job: a named step the cron runs; each step is bounded and idempotent. */
export type SweepStep = (env: Env, now: number) => Promise<Record<string, number>>;

/**
 * The every-minute sweep, one step per line. Each step is bounded (a batch per
 * run; the next minute continues) and idempotent: state changes are
 * conditional UPDATEs, re-enqueued work is claimed with compare-and-set. A
 * failing step is logged and the others still run.
 */
export const SWEEP_STEPS = {
  /** Generations past their deadline end FAILED (refund + event). */
  generationTimeouts: (env, now) => timeOutOverdue(backgroundContext(env), now),
  /** PENDING generations whose queue message was lost are enqueued again. */
  lostGenerationMessages: (env, now) => recoverLostMessages(backgroundContext(env), now),
  /** Finished generations whose event a consumer left unemitted are settled (credit and event). */
  generationSettlements: (env, now) => settleStragglers(backgroundContext(env), now),
  /** Webhook delivery retention purge (WEBHOOK_RETENTION_DAYS, default 30) and re-enqueue of lost messages. */
  webhooks: (env, now) => sweepWebhookDeliveries({ ...backgroundContext(env), now: () => now }),
  /** Expired products and images (docs/privacy.md). */
  retention: sweepRetention,
  /** Reservations of terminal generations left unsettled are settled. */
  creditReconciliation: (env, now) => reconcileCredits(backgroundContext(env), now),
  /** Dead dashboard rows: expired sessions, used links, old challenges, remembered forms, old dev-outbox email. */
  dashboardState: (env, now) => pruneDashboardState(backgroundContext(env), now),
} as const satisfies Readonly<Record<string, SweepStep>>;

export async function runSweep(
  env: Env,
  now: number,
  steps: Readonly<Record<string, SweepStep>> = SWEEP_STEPS,
): Promise<Record<string, Record<string, number> | { error: string }>> {
  const results: Record<string, Record<string, number> | { error: string }> = {};
  for (const [name, step] of Object.entries(steps)) {
    try {
      results[name] = await step(env, now);
    } catch (err) {
      results[name] = { error: describeError(err) };
      log("error", "sweep step failed", { step: name, error: describeError(err) });
    }
  }
  log("info", "sweep", { summary: JSON.stringify(results) });
  return results;
}
