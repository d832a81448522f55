import { z } from "@hono/zod-openapi";
import { IsoDate, LivemodeSchema } from "./common";
import { ErrorCodeSchema } from "./errors";
import { GENERATION_STATUSES } from "./generation-status";

/** The generation as GET /generations/:id returns it; webhook events carry exactly this as `data`. */
export const GenerationSchema = z
  .object({
    generationId: z.string().openapi({ example: "gen_0Abc…" }),
    livemode: LivemodeSchema,
    status: z.enum(GENERATION_STATUSES),
    productExternalId: z.string(),
    externalUserId: z.string().nullable().optional(),
    resultImageUrl: z.string().nullable().optional().openapi({ description: "Fresh signed URL on every read (COMPLETED only)." }),
    resultExpiresAt: IsoDate.nullable().optional().openapi({ description: "When the stored result is purged." }),
    errorCode: ErrorCodeSchema.nullable().optional(),
    errorMessage: z.string().nullable().optional(),
    retryable: z.boolean().nullable().optional(),
    engine: z.string().optional(),
    createdAt: IsoDate,
    updatedAt: IsoDate,
    completedAt: IsoDate.nullable().optional(),
    durationMs: z.number().int().nullable().optional(),
  })
  .openapi("Generation");

export type GenerationView = z.infer<typeof GenerationSchema>;
