import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const products = sqliteTable(
  "products",
  {
    accountId: text("account_id").notNull(),
    externalId: text("external_id").notNull(),
    /** registered (POST /products) | inline (try-on upsert, 15 d) | oneshot (`_anon_`, 7 d, unlisted) */
    kind: text("kind", { enum: ["registered", "inline", "oneshot"] }).notNull(),
    title: text("title"),
    description: text("description"),
    /** JSON text; size-capped at the API. */
    metadata: text("metadata"),
    /** JSON array of {sourceUrl, imageId?, classifications?, order}. */
    images: text("images").notNull(),
    validForDays: integer("valid_for_days"),
    /** Monotonic insertion sequence: the cursor key, stable under concurrent inserts. */
    seq: integer("seq").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    lastUsedAt: integer("last_used_at"),
    expiresAt: integer("expires_at"),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.externalId] }),
    index("products_list_idx").on(t.accountId, t.kind, t.seq),
    index("products_expires_idx").on(t.expiresAt),
  ],
);
