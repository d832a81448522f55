import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    url: text("url").notNull(),
    description: text("description"),
    /** JSON array of event types. */
    events: text("events").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    /** The current `whsec_…` secret, sealed at rest (format and key id: src/lib/secret-box.ts). */
    secretEnc: text("secret_enc").notNull(),
    /** The previous secret, still signing until `previousSecretExpiresAt` (rotation overlap). */
    previousSecretEnc: text("previous_secret_enc"),
    previousSecretExpiresAt: integer("previous_secret_expires_at"),
    /** First failure of the current failing streak; null while healthy. */
    failingSince: integer("failing_since"),
    disabledReason: text("disabled_reason"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("webhook_endpoints_account_idx").on(t.accountId, t.id)],
);

/** The account's default signing secret, used for per-request `webhookUrl`s. */
export const webhookDefaultSecrets = sqliteTable("webhook_default_secrets", {
  accountId: text("account_id").primaryKey(),
  secretEnc: text("secret_enc").notNull(),
  previousSecretEnc: text("previous_secret_enc"),
  previousSecretExpiresAt: integer("previous_secret_expires_at"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    /** `msg_…`; also the Standard Webhooks `webhook-id`, stable across retries. */
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    /** null for a per-request `webhookUrl`. */
    endpointId: text("endpoint_id"),
    url: text("url").notNull(),
    /** Dedupe key: one event per generation and target, whatever the redeliveries. */
    dedupeKey: text("dedupe_key").notNull(),
    generationId: text("generation_id"),
    eventType: text("event_type").notNull(),
    payload: text("payload").notNull(),
    status: text("status", { enum: ["PENDING", "SUCCEEDED", "FAILED"] }).notNull(),
    attemptCount: integer("attempt_count").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_dedupe_idx").on(t.dedupeKey),
    index("webhook_deliveries_endpoint_idx").on(t.accountId, t.endpointId, t.id),
    index("webhook_deliveries_created_idx").on(t.createdAt),
    // The account's delivery log across endpoints and per-request URLs, and one generation's deliveries.
    index("webhook_deliveries_account_idx").on(t.accountId, t.id),
    index("webhook_deliveries_generation_idx").on(t.accountId, t.generationId, t.id),
  ],
);

export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    id: text("id").primaryKey(),
    deliveryId: text("delivery_id").notNull(),
    attemptNo: integer("attempt_no").notNull(),
    statusCode: integer("status_code"),
    latencyMs: integer("latency_ms").notNull(),
    /** First 1 KB of the receiver's response body. */
    responseSnippet: text("response_snippet"),
    error: text("error"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("webhook_attempts_delivery_idx").on(t.deliveryId, t.attemptNo)],
);
