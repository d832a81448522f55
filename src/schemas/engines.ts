import { z } from "@hono/zod-openapi";
import { ENGINE_NAMES } from "../config";
import { toIso } from "../lib/time";
import { IsoDate } from "./common";

/** One engine's circuit breaker, as the operator API and `/healthz?deep=1` show it. */
export const EngineBreakerSchema = z
  .object({
    engine: z.enum(ENGINE_NAMES),
    state: z.enum(["closed", "open", "half-open"]).openapi({
      description:
        "`closed`: calls go through; `open`: the engine is skipped (the next engine of each list takes over); `half-open`: the cool-down is over, the next call is a probe.",
    }),
    consecutiveFailures: z.number().int().openapi({ description: "Outages in a row (a call that answered transient trouble); a success resets it." }),
    openedAt: IsoDate.nullable().openapi({ description: "When the breaker last opened; null while closed." }),
    reopensAt: IsoDate.nullable().openapi({ description: "When an open breaker lets its next probe through; null while closed." }),
  })
  .openapi("EngineBreaker");

export const EngineBreakerListSchema = z.object({ items: z.array(EngineBreakerSchema) }).openapi("EngineBreakerList");

export const EngineParam = z.object({
  engine: z.enum(ENGINE_NAMES).openapi({ param: { name: "engine", in: "path" }, example: "fashn" }),
});

const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a YYYY-MM-DD day")
  .refine((s) => {
    const t = Date.parse(`${s}T00:00:00Z`);
    return !Number.isNaN(t) && toIso(t).startsWith(s);
  }, "must be a real calendar day");

export const CostsQuery = z.object({
  from: Day.optional().openapi({ description: "First UTC day (inclusive); default 29 days before `to`.", example: "2026-11-01" }),
  to: Day.optional().openapi({ description: "Last UTC day (inclusive); default today.", example: "2026-11-30" }),
});

const CostLineShape = {
  generations: z.number().int().openapi({ description: "Finished generations (COMPLETED or FAILED) accepted that day." }),
  costUsdMicros: z.number().int().openapi({ description: "What the engines reported they cost upstream, in millionths of a US dollar." }),
  revenueUsdMicros: z.number().int().openapi({ description: "Credits spent (completed generations) × CREDIT_PRICE_USD_MICROS." }),
  marginUsdMicros: z
    .number()
    .int()
    .openapi({ description: "revenueUsdMicros − costUsdMicros (negative when the engines cost more than the credits brought in)." }),
};

export const CostReportSchema = z
  .object({
    accountId: z.string(),
    from: z.string().openapi({ example: "2026-11-01" }),
    to: z.string().openapi({ example: "2026-11-30" }),
    creditPriceUsdMicros: z.number().int().openapi({ description: "What one credit sells for (CREDIT_PRICE_USD_MICROS)." }),
    days: z.array(z.object({ day: z.string().openapi({ example: "2026-11-30" }), ...CostLineShape })),
    totals: z.object(CostLineShape),
  })
  .openapi("CostReport");
