import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** registered (POST /products) | inline (try-on upsert, 15 d) | oneshot (`_anon_`, 7 d, unlisted). */
export const PRODUCT_KINDS = ["registered", "inline", "oneshot"] as const;
export type ProductKind = (typeof PRODUCT_KINDS)[number];

/** One entry of a product's stored image list. */
export interface ProductImageRef {
  /** The URL, or "upload://<imageId>" for bytes sent in a multipart request. */
  sourceUrl: string;
  /** R2-stored image: set for fileKey parts (URL images are found by URL hash once fetched). */
  imageId: string | null;
  classifications: Record<string, unknown> | null;
  /** Genlook's per-image role hint (e.g. "top-back"); absent in rows written before roles existed. */
  role?: string | null;
  order: number;
}

export const products = sqliteTable(
  "products",
  {
    accountId: text("account_id").notNull(),
    externalId: text("external_id").notNull(),
    kind: text("kind", { enum: PRODUCT_KINDS }).notNull(),
    title: text("title"),
    description: text("description"),
    /** Free-form JSON as sent (stored as JSON text); size-capped at the API. */
    metadata: text("metadata", { mode: "json" }).$type<unknown>(),
    /** The image list (stored as JSON text). */
    images: text("images", { mode: "json" }).$type<ProductImageRef[]>().notNull(),
    validForDays: integer("valid_for_days"),
    /** Genlook's product flag: roles of images sent without one are left to the engine to work out. */
    autoDetectImageRoles: integer("auto_detect_image_roles", { mode: "boolean" }).notNull().default(true),
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
