import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

import type { KeepForDays } from "../../lib/retention-days";
import type { TestDirective } from "../../lib/test-directive";
import type { TryOnCategory, TryOnMode } from "../../lib/try-on-options";
import { GENERATION_STATUSES, type GenerationStatus } from "../../schemas/generation-status";

export { GENERATION_STATUSES, type GenerationStatus };

/**
 * How a generation accepted through a compatibility API is shown there: the
 * FASHN facade (`/v1/run`) answers `/v1/status` and its `webhook_url` in
 * FASHN's shape, with the output as a URL or a base64 data URI.
 */
export interface GenerationCompat {
  api: "fashn";
  returnBase64: boolean;
}

/** One engine's part in a generation: what it answered, how long it took, what it cost upstream. */
export interface EngineAttempt {
  engine: string;
  outcome: "completed" | "failed" | "unavailable" | "skipped";
  code?: string;
  durationMs: number;
  costUsdMicros?: number;
}

export const generations = sqliteTable(
  "generations",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    apiKeyId: text("api_key_id"),
    status: text("status", { enum: GENERATION_STATUSES }).notNull(),
    productExternalId: text("product_external_id").notNull(),
    /** JSON snapshot of the product as it was when the generation was accepted. */
    productSnapshot: text("product_snapshot").notNull(),
    personImageId: text("person_image_id").notNull(),
    externalUserId: text("external_user_id"),
    /** The engine running the generation now, and once it is terminal the one that answered last (the result's, when COMPLETED). */
    engine: text("engine").notNull(),
    /** The ordered engine list chosen at acceptance (fallback order); null = `engine` alone. */
    engines: text("engines", { mode: "json" }).$type<string[]>(),
    /** Index in `engines` of the engine running now; queue messages carry it so a superseded engine's message cannot claim the row. */
    engineHop: integer("engine_hop").notNull().default(0),
    /** When the current engine was first claimed (the attempt's duration counts from here, retries and polls included). */
    engineStartedAt: integer("engine_started_at"),
    /** One entry per engine that was tried or skipped, in order (docs/engines.md, Routing and fallback). */
    engineAttempts: text("engine_attempts", { mode: "json" }).$type<EngineAttempt[]>(),
    /** What the engines reported this generation cost upstream, summed over attempts, in millionths of a US dollar. */
    costUsdMicros: integer("cost_usd_micros"),
    category: text("category").$type<TryOnCategory>(),
    mode: text("mode").$type<TryOnMode>(),
    seed: integer("seed"),
    watermark: integer("watermark", { mode: "boolean" }),
    keepForDays: integer("keep_for_days").$type<KeepForDays>().notNull(),
    webhookUrl: text("webhook_url"),
    /** Set when the try-on came through a compatibility API (null: Drape's own). */
    compat: text("compat", { mode: "json" }).$type<GenerationCompat>(),
    resultImageId: text("result_image_id"),
    resultR2Key: text("result_r2_key"),
    resultExpiresAt: integer("result_expires_at"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    retryable: integer("retryable", { mode: "boolean" }),
    /** Upstream job id (e.g. a FASHN prediction) while the engine runs remotely. */
    engineJobId: text("engine_job_id"),
    attempts: integer("attempts").notNull().default(0),
    /** none | reserved | committed | refunded: what the credit ledger was told. */
    creditState: text("credit_state", { enum: ["none", "reserved", "committed", "refunded"] })
      .notNull()
      .default("none"),
    /** Set once the "generation finished" event was handed to the webhook layer. */
    eventEmittedAt: integer("event_emitted_at"),
    requestId: text("request_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    startedAt: integer("started_at"),
    completedAt: integer("completed_at"),
    durationMs: integer("duration_ms"),
    deadlineAt: integer("deadline_at").notNull(),
    /** Test mode only: the outcome and delay the request forced (docs/test-mode.md); null otherwise. */
    testDirective: text("test_directive", { mode: "json" }).$type<TestDirective>(),
  },
  (t) => [
    index("generations_account_idx").on(t.accountId, t.id),
    index("generations_status_idx").on(t.status, t.deadlineAt),
    index("generations_product_idx").on(t.accountId, t.productExternalId),
    index("generations_user_idx").on(t.accountId, t.externalUserId),
    // The dashboard's usage chart and error summary: a time range of one account, read from the index alone.
    index("generations_account_created_idx").on(t.accountId, t.createdAt, t.status, t.errorCode),
  ],
);
