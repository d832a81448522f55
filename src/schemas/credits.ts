import { z } from "@hono/zod-openapi";
import { IsoDate, LivemodeSchema, pageFields } from "./common";

export const CreditBalanceSchema = z
  .object({
    livemode: LivemodeSchema,
    creditBalance: z.number().int().openapi({ description: "Credits available for new generations (Genlook-compatible name).", example: 42 }),
    reserved: z.number().int().openapi({ description: "Credits held by generations still running; returned if they fail." }),
    spent: z.number().int().openapi({ description: "Credits spent by COMPLETED generations, all time." }),
  })
  .openapi("CreditBalance");

export const UsageTodaySchema = z
  .object({
    day: z.string().openapi({ description: "The UTC day.", example: "2026-11-25" }),
    generations: z.number().int().openapi({ description: "Generations accepted today (each reserved a credit)." }),
    completed: z.number().int().openapi({ description: "…of which COMPLETED (charged)." }),
    failed: z.number().int().openapi({ description: "…of which FAILED or cancelled (refunded, free)." }),
    pending: z.number().int().openapi({ description: "…still running (credit held)." }),
  })
  .openapi("UsageToday");

export const LedgerEntrySchema = z
  .object({
    id: z.string().openapi({ example: "led_0Abc…" }),
    kind: z.enum(["grant", "adjust", "reserve", "commit", "refund", "lease", "lease_return"]),
    amount: z.number().int().openapi({
      description:
        "Effect on the available balance: grant/adjust ±n, reserve −1, refund +1, commit 0; lease −n / lease_return +n move a block of credits to / back from one API key's shard (docs/scaling.md).",
    }),
    balanceAfter: z.number().int(),
    generationId: z.string().nullable(),
    keyId: z.string().nullable(),
    reason: z.string(),
    reference: z.string().nullable(),
    createdAt: IsoDate,
  })
  .openapi("LedgerEntry");

export const GrantCreditsBody = z
  .object({
    amount: z
      .number()
      .int()
      .min(-1_000_000)
      .max(1_000_000)
      .refine((n) => n !== 0, "amount must not be 0")
      .openapi({ description: "Credits to add; negative for an adjustment (never below a zero balance).", example: 100 }),
    reason: z.string().trim().min(1).max(500).openapi({ example: "monthly plan" }),
    reference: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .nullable()
      .optional()
      .openapi({ description: "Makes the grant idempotent: the same reference again returns the first entry and grants nothing.", example: "invoice-2026-11" }),
  })
  .openapi("GrantCredits");

export const AdminCreditsSchema = CreditBalanceSchema.extend({
  accountId: z.string(),
  granted: z.number().int().openapi({ description: "Net of all grants and adjustments. granted − spent − reserved = creditBalance." }),
  refunded: z.number().int(),
  usageToday: UsageTodaySchema,
}).openapi("AdminCredits");

export const GrantCreditsResponse = AdminCreditsSchema.extend({
  entry: LedgerEntrySchema,
  duplicate: z.boolean().openapi({ description: "True when the reference was already used: nothing was granted this time." }),
}).openapi("GrantCreditsResult");

/** The list shape (ledger entries in `items`) plus the account's balance. */
export const CreditLedgerSchema = AdminCreditsSchema.extend(pageFields(LedgerEntrySchema)).openapi("CreditLedger");

export const MaintenanceBody = z
  .object({
    enabled: z.boolean(),
    retryAfterSeconds: z
      .number()
      .int()
      .min(1)
      .max(86400)
      .nullable()
      .optional()
      .openapi({ description: "Retry-After sent with the 503s; default MAINTENANCE_RETRY_AFTER_SECONDS (120)." }),
  })
  .openapi("MaintenanceUpdate");

export const MaintenanceSchema = z
  .object({
    enabled: z.boolean(),
    retryAfterSeconds: z.number().int(),
    source: z
      .enum(["environment", "operator"])
      .openapi({ description: "environment: MAINTENANCE_MODE forces it on and the operator switch cannot turn it off." }),
    updatedAt: IsoDate.nullable(),
  })
  .openapi("Maintenance");
