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
    engine: text("engine").notNull(),
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
