import { desc } from "drizzle-orm";
import type { Db } from "../client";
import { devOutbox } from "../schema";

export type DevOutboxRow = typeof devOutbox.$inferSelect;

export async function insertDevOutboxMessage(db: Db, row: DevOutboxRow): Promise<void> {
  await db.insert(devOutbox).values(row).run();
}

/** Newest first. */
export async function listDevOutbox(db: Db, limit: number): Promise<DevOutboxRow[]> {
  return db.select().from(devOutbox).orderBy(desc(devOutbox.createdAt), desc(devOutbox.id)).limit(limit).all();
}
