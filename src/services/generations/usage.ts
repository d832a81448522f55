import type { ServiceContext } from "../../context";
import { countByDayAndStatus, countErrorCodes } from "../../db/repo/generations";
import { DAY } from "../../lib/time";
import { GENERATION_STATUSES, type GenerationStatus } from "../../schemas/generation-status";

/** One UTC day of the usage chart: its first instant and the generations created on it, by status. */
export interface UsageDay {
  dayStart: number;
  counts: Record<GenerationStatus, number>;
  total: number;
}

const zeroCounts = (): Record<GenerationStatus, number> => Object.fromEntries(GENERATION_STATUSES.map((s) => [s, 0])) as Record<GenerationStatus, number>;

/**
 * The last `days` UTC days up to today (as the one clock tells it), oldest first, each with the
 * account's generations created that day by status; days without any are there with zeros.
 */
export async function usageByDay(ctx: ServiceContext, accountId: string, days = 30): Promise<UsageDay[]> {
  const today = Math.floor(ctx.now() / DAY);
  const first = today - (days - 1);
  const rows = await countByDayAndStatus(ctx.db, accountId, first * DAY, DAY);
  const out: UsageDay[] = [];
  for (let d = first; d <= today; d++) out.push({ dayStart: d * DAY, counts: zeroCounts(), total: 0 });
  for (const r of rows) {
    const slot = out[r.day - first];
    if (!slot) continue; // created "in the future" by a skewed clock: not a day of the chart
    slot.counts[r.status] += r.n;
    slot.total += r.n;
  }
  return out;
}

/** Error codes of the account's generations created in the last `days` × 24 h, most frequent first. */
export async function recentErrorCodes(ctx: ServiceContext, accountId: string, days = 7): Promise<Array<{ code: string; n: number }>> {
  return countErrorCodes(ctx.db, accountId, ctx.now() - days * DAY);
}
