import { z } from "@hono/zod-openapi";

export const AccountViewSchema = z
  .object({
    accountId: z.string().openapi({ example: "acc_0Abc…" }),
    name: z.string(),
    keyId: z.string().openapi({ description: "The key this request used." }),
    rateLimit: z.object({
      perMinute: z.number().int(),
      burst: z.number().int(),
    }),
    retentionDays: z.number().int(),
  })
  .openapi("AccountView");
