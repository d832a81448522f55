import { z } from "@hono/zod-openapi";
import { IsoDate, LivemodeSchema } from "./common";
import { ErrorCodeSchema } from "./errors";
import { GENERATION_STATUSES } from "./generation-status";

/**
 * The generation as GET /generations/:id returns it; webhook events carry exactly this as `data`.
 * A field that does not apply is omitted, never null (Genlook's shape: clients validate
 * these as `string | undefined`): no `resultImageUrl` unless COMPLETED with a stored result,
 * no `errorCode`/`errorMessage`/`retryable` unless FAILED, no `externalUserId` unless one was given.
 */
/** One engine's part in a generation, as the API shows it (its upstream cost is the operator's business, not shown here). */
export const EngineAttemptSchema = z
  .object({
    engine: z.string().openapi({ example: "fashn" }),
    outcome: z.enum(["completed", "failed", "unavailable", "skipped"]).openapi({
      description:
        "`completed`: it produced the result; `failed`: it answered a typed failure (the generation's); `unavailable`: it stayed down after its retries, the next engine took over; `skipped`: its circuit breaker was open, it was not called.",
    }),
    code: ErrorCodeSchema.optional().openapi({ description: "For `failed` and `unavailable`: the error code it answered." }),
    durationMs: z.number().int().openapi({ description: "Milliseconds spent on this engine, its retries and polls included (0 when skipped)." }),
  })
  .openapi("EngineAttempt");

export const GenerationSchema = z
  .object({
    generationId: z.string().openapi({ example: "gen_0Abc…" }),
    livemode: LivemodeSchema,
    status: z.enum(GENERATION_STATUSES),
    productExternalId: z.string(),
    externalUserId: z.string().optional().openapi({ description: "Present when the try-on named an end user (and it was not erased since)." }),
    resultImageUrl: z
      .string()
      .optional()
      .openapi({ description: "COMPLETED only: a fresh signed URL on every read (absent once the result is purged or erased)." }),
    resultExpiresAt: IsoDate.optional().openapi({ description: "COMPLETED only: when the stored result is purged (absent when kept forever)." }),
    errorCode: ErrorCodeSchema.optional().openapi({ description: "FAILED only: the typed failure." }),
    errorMessage: z.string().optional().openapi({ description: "FAILED only: what went wrong, for people." }),
    retryable: z.boolean().optional().openapi({ description: "FAILED only: whether the same request may succeed if sent again." }),
    engine: z.string().optional().openapi({ description: "The engine running the generation, or once finished the engine that produced its answer." }),
    engineAttempts: z.array(EngineAttemptSchema).optional().openapi({
      description:
        "The engines tried, in order — present only when more than one took part: an engine was unavailable (or skipped by its circuit breaker) and the next one of the account's list took over (docs/engines.md).",
    }),
    createdAt: IsoDate,
    updatedAt: IsoDate,
    completedAt: IsoDate.optional().openapi({ description: "When it reached COMPLETED or FAILED." }),
    durationMs: z.number().int().optional().openapi({ description: "COMPLETED only: milliseconds from acceptance to the stored result." }),
  })
  .openapi("Generation");

export type GenerationView = z.infer<typeof GenerationSchema>;
