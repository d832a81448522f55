import { eq } from "drizzle-orm";
import type { Db } from "../client";
import { settings } from "../schema";

/** Operator settings are global (not per account): key → JSON text. */
export async function getSetting(db: Db, key: string): Promise<{ value: string; updatedAt: number } | undefined> {
  return db.select({ value: settings.value, updatedAt: settings.updatedAt }).from(settings).where(eq(settings.key, key)).get();
}

export async function putSetting(db: Db, key: string, value: string, now: number): Promise<void> {
  await db
    .insert(settings)
    .values({ key, value, updatedAt: now })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: now } });
}
