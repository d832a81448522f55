import { describeError, log } from "../lib/logger";
import { sweepRetention } from "../services/retention";
import { sweepCreditReconciliation } from "./credits";
import { sweepGenerationSettlements, sweepGenerationTimeouts, sweepLostGenerationMessages } from "./generations";
import { sweepWebhooks } from "./webhooks";

/** One scheduled job: a named step the cron runs; each step is bounded and idempotent. */
export type SweepStep = (env: Env, now: number) => Promise<Record<string, number>>;

/**
 * Steps of the every-minute sweep (retention purge, timeouts, lost messages,
 * credit reconciliation, idempotency purge). A failing step is logged and the
 * others still run.
 */
export const SWEEP_STEPS: Readonly<Record<string, SweepStep>> = {
  generationTimeouts: sweepGenerationTimeouts,
  lostGenerationMessages: sweepLostGenerationMessages,
  generationSettlements: sweepGenerationSettlements,
  webhooks: sweepWebhooks,
  retention: sweepRetention,
  creditReconciliation: sweepCreditReconciliation,
};

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
