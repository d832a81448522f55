import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Operator settings that change at run time (e.g. maintenance mode), key → JSON value. */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
