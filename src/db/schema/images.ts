import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { KeepForDays } from "../../lib/retention-days";

/** The centered 4:5 crop box of a person photo, in its displayed frame. */
export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Every stored image: person uploads, multipart parts, fetched product images, results. */
export const images = sqliteTable(
  "images",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    /** R2 key; its first segment encodes the retention class (e.g. `r7d/…`, `keep/…`). */
    r2Key: text("r2_key").notNull(),
    /** person | product | result */
    role: text("role", { enum: ["person", "product", "result"] }).notNull(),
    format: text("format", { enum: ["jpeg", "png", "webp", "heic"] }).notNull(),
    contentType: text("content_type").notNull(),
    width: integer("width").notNull(),
    height: integer("height").notNull(),
    orientation: integer("orientation"),
    byteSize: integer("byte_size").notNull(),
    /** The centered 4:5 crop box (stored as JSON text), or null. */
    crop: text("crop", { mode: "json" }).$type<CropBox>(),
    externalUserId: text("external_user_id"),
    /** SHA-256 of the source URL for product images fetched once into R2. */
    sourceUrlHash: text("source_url_hash"),
    keepForDays: integer("keep_for_days").$type<KeepForDays>(),
    createdAt: integer("created_at").notNull(),
    /** null = kept while something references it (product images). */
    expiresAt: integer("expires_at"),
  },
  (t) => [
    index("images_account_idx").on(t.accountId, t.id),
    index("images_expires_idx").on(t.expiresAt),
    index("images_user_idx").on(t.accountId, t.externalUserId),
    index("images_url_idx").on(t.accountId, t.sourceUrlHash),
  ],
);
