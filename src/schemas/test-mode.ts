import { z } from "@hono/zod-openapi";
import { LivemodeSchema } from "./common";

export const SetTestBalanceBody = z
  .object({
    balance: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .openapi({ description: "The test balance to set, exactly (0 makes the next try-on answer 402 INSUFFICIENT_CREDITS).", example: 0 }),
  })
  .openapi("SetTestBalance");

export const TestDataErasedSchema = z
  .object({
    livemode: LivemodeSchema,
    deleted: z.object({
      generations: z.number().int(),
      products: z.number().int(),
      images: z.number().int().openapi({ description: "Images deleted now, rows and stored bytes." }),
      imagesDeferred: z
        .number()
        .int()
        .openapi({ description: "Images past this request's cap: no longer served, deleted by the retention purge within minutes." }),
      webhookEndpoints: z.number().int(),
      webhookDeliveries: z.number().int(),
    }),
    creditBalance: z.number().int().openapi({ description: "The test balance afterwards (reset to the daily free amount)." }),
  })
  .openapi("TestDataErased");
