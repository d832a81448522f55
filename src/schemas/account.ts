import { z } from "@hono/zod-openapi";
import { LivemodeSchema } from "./common";
import { UsageTodaySchema } from "./credits";

export const AccountViewSchema = z
  .object({
    accountId: z.string().openapi({ example: "acc_0Abc…", description: "The account; the same in live and test mode." }),
    livemode: LivemodeSchema,
    name: z.string(),
    keyId: z.string().openapi({ description: "The key this request used." }),
    rateLimit: z.object({
      perMinute: z.number().int().openapi({ description: "Token refill rate of this key's bucket." }),
      burst: z.number().int().openapi({ description: "Bucket capacity: requests that may be sent at once." }),
    }),
    retentionDays: z.number().int(),
    creditBalance: z.number().int().openapi({ description: "Same as credits.balance (Genlook-compatible name)." }),
    credits: z.object({
      balance: z.number().int().openapi({ description: "Available for new generations." }),
      reserved: z.number().int().openapi({ description: "Held by running generations." }),
      spent: z.number().int().openapi({ description: "Spent by COMPLETED generations, all time." }),
    }),
    spendCaps: z.object({
      keyTotal: z.number().int().nullable().openapi({ description: "Credits this key may spend in total; null = no cap." }),
      accountPerDay: z.number().int().nullable().openapi({ description: "Credits the account may spend per UTC day; null = no cap." }),
    }),
    usageToday: UsageTodaySchema,
  })
  .openapi("AccountView");
