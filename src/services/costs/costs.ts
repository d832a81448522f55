import type { ServiceContext } from "../../context";
import { costsByDay } from "../../db/repo/generations";
import { ApiError } from "../../errors";
import { DAY, toIso } from "../../lib/time";
import { getAccount } from "../accounts";

/** The longest range one cost report covers, in days. */
export const MAX_COST_DAYS = 366;
/** The range when none is asked for: the last 30 UTC days, today included. */
export const DEFAULT_COST_DAYS = 30;

export interface CostLine {
  generations: number;
  costUsdMicros: number;
  revenueUsdMicros: number;
  marginUsdMicros: number;
}

export interface CostReport {
  accountId: string;
  from: string;
  to: string;
  creditPriceUsdMicros: number;
  days: Array<CostLine & { day: string }>;
  totals: CostLine;
}

const dayString = (dayIndex: number): string => toIso(dayIndex * DAY).slice(0, 10);
const dayIndexOf = (day: string): number => Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY);

/**
 * Cost and margin of one live account per UTC day: its finished generations (by the day they
 * were accepted), what the engines reported they cost upstream, and the revenue of the credits
 * they spent (a completed generation spends one credit, sold at CREDIT_PRICE_USD_MICROS; a
 * failed one is refunded). Days without generations are listed with zeros. `from` and `to` are
 * inclusive `YYYY-MM-DD` days; by default the last 30 days up to today.
 */
export async function accountCosts(ctx: ServiceContext, accountId: string, range: { from?: string; to?: string }): Promise<CostReport> {
  await getAccount(ctx, accountId);
  const today = Math.floor(ctx.now() / DAY);
  const last = range.to === undefined ? today : dayIndexOf(range.to);
  const first = range.from === undefined ? last - (DEFAULT_COST_DAYS - 1) : dayIndexOf(range.from);
  if (first > last) {
    throw new ApiError("VALIDATION_FAILED", "`from` must not be after `to`.", { details: [{ path: "from", message: "after to" }] });
  }
  if (last - first + 1 > MAX_COST_DAYS) {
    throw new ApiError("VALIDATION_FAILED", `A cost report covers at most ${MAX_COST_DAYS} days.`, { details: [{ path: "from", message: "range too long" }] });
  }
  const price = ctx.config.CREDIT_PRICE_USD_MICROS;
  const rows = await costsByDay(ctx.db, accountId, first * DAY, (last + 1) * DAY, DAY);
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const line = (generations: number, charged: number, cost: number): CostLine => ({
    generations,
    costUsdMicros: cost,
    revenueUsdMicros: charged * price,
    marginUsdMicros: charged * price - cost,
  });
  const days: CostReport["days"] = [];
  let generations = 0;
  let charged = 0;
  let cost = 0;
  for (let d = first; d <= last; d++) {
    const r = byDay.get(d);
    days.push({ day: dayString(d), ...line(r?.generations ?? 0, r?.charged ?? 0, r?.costUsdMicros ?? 0) });
    generations += r?.generations ?? 0;
    charged += r?.charged ?? 0;
    cost += r?.costUsdMicros ?? 0;
  }
  return { accountId, from: dayString(first), to: dayString(last), creditPriceUsdMicros: price, days, totals: line(generations, charged, cost) };
}
