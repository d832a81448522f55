import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { DEFAULT_KEEP_FOR_DAYS } from "../../lib/retention-days";

export const accounts = sqliteTable("accounts", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** active | disabled: a disabled account's keys are rejected as INVALID_API_KEY. */
  status: text("status", { enum: ["active", "disabled"] })
    .notNull()
    .default("active"),
  /** Per-account engine override (mock | composite | fashn); null = configuration decides. */
  engine: text("engine"),
  /** Ordered engine list (fallback order, docs/engines.md); null = `engine` alone, or configuration. The first item mirrors `engine`. */
  engines: text("engines", { mode: "json" }).$type<string[]>(),
  /** Per product category, an ordered engine list that beats `engines` (e.g. {"bottoms":["fashn","composite"]}); null = none. */
  enginesByCategory: text("engines_by_category", { mode: "json" }).$type<Record<string, string[]>>(),
  /** Per-account default rate limit (requests/minute) for its keys; null = configuration default. */
  rateLimitPerMinute: integer("rate_limit_per_minute"),
  rateLimitBurst: integer("rate_limit_burst"),
  /** Optional account-wide cap on credits spent per UTC day; null = none. */
  spendCapPerDay: integer("spend_cap_per_day"),
  retentionDays: integer("retention_days").notNull().default(DEFAULT_KEEP_FOR_DAYS),
  /**
   * The account logo stamped on results of `output.watermark: true` (docs/try-on.md, Watermark):
   * its R2 key (under `keep/<account>/logo/`), format and size; all null when the account has none.
   */
  logoR2Key: text("logo_r2_key"),
  logoFormat: text("logo_format", { enum: ["jpeg", "png", "webp"] }),
  logoWidth: integer("logo_width"),
  logoHeight: integer("logo_height"),
  logoUpdatedAt: integer("logo_updated_at"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id),
    name: text("name").notNull(),
    /** SHA-256 hex of the full key; the plaintext is never stored. */
    keyHash: text("key_hash").notNull().unique(),
    /** First characters, e.g. `dr_live_AbCd`, for people to recognise a key. */
    displayPrefix: text("display_prefix").notNull(),
    rateLimitPerMinute: integer("rate_limit_per_minute"),
    rateLimitBurst: integer("rate_limit_burst"),
    /** Optional cap on credits this key may spend in total; null = none. */
    spendCap: integer("spend_cap"),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
    /** Set when a key is rolled: it keeps working until then (the overlap), refused after. */
    expiresAt: integer("expires_at"),
    /** When the key last authenticated, recorded at most every few minutes (src/services/accounts/auth.ts). */
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [index("api_keys_account_idx").on(t.accountId, t.id)],
);

/**
 * The dashboard playground's own API key per account and mode (docs/dashboard.md, Playground): the
 * playground runs try-ons through the API's routes with it, so admission rules are the API's. Its
 * plaintext is sealed with the at-rest keyring, bound to this row by the AAD.
 */
export const playgroundKeys = sqliteTable(
  "playground_keys",
  {
    /** The live account (a test key's row names the live account too, with mode `test`). */
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id),
    mode: text("mode", { enum: ["live", "test"] }).notNull(),
    keyId: text("key_id")
      .notNull()
      .references(() => apiKeys.id),
    keyEnc: text("key_enc").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.mode] })],
);
