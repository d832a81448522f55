import { z } from "@hono/zod-openapi";
import { SYNC_WAIT_DEFAULT_SECONDS, SYNC_WAIT_MAX_SECONDS } from "../lib/try-on-options";
import { LivemodeSchema, PaginationQuerySchema, paginated } from "./common";
import { GENERATION_STATUSES } from "./generation-status";
import { GenerationSchema } from "./generations";

export const GenerationIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "gen_0Abc12345678901234567890" }),
});

const isoInstant = z
  .string()
  .max(40)
  .refine((s) => !Number.isNaN(Date.parse(s)), "Expected an ISO 8601 date-time")
  .transform((s) => Date.parse(s));

export const GenerationListQuerySchema = PaginationQuerySchema.extend({
  status: z
    .enum(GENERATION_STATUSES)
    .optional()
    .openapi({ param: { name: "status", in: "query" } }),
  externalUserId: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .openapi({ param: { name: "externalUserId", in: "query" } }),
  productExternalId: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .openapi({ param: { name: "productExternalId", in: "query" } }),
  from: isoInstant.optional().openapi({ param: { name: "from", in: "query" }, description: "createdAt ≥ from (ISO 8601)", type: "string" }),
  to: isoInstant.optional().openapi({ param: { name: "to", in: "query" }, description: "createdAt ≤ to (ISO 8601)", type: "string" }),
});

export const GenerationPageSchema = paginated(GenerationSchema, "GenerationPage");

/** What POST /try-on answers (202), and /try-on/sync when the wait ran out. */
export const TryOnAcceptedSchema = z
  .object({
    generationId: z.string(),
    livemode: LivemodeSchema,
    status: z.enum(GENERATION_STATUSES),
    productExternalId: z.string(),
  })
  .openapi("TryOnAccepted");

export const SyncQuerySchema = z.object({
  wait: z.coerce
    .number()
    .int()
    .min(0)
    .max(SYNC_WAIT_MAX_SECONDS)
    .default(SYNC_WAIT_DEFAULT_SECONDS)
    .openapi({
      param: { name: "wait", in: "query" },
      description: `Seconds to hold the request (0–${SYNC_WAIT_MAX_SECONDS}, default ${SYNC_WAIT_DEFAULT_SECONDS}); a smaller value answers 202 sooner.`,
    }),
});
