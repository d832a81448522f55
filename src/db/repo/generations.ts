import { and, eq } from "drizzle-orm";
import type { Db } from "../client";
import { generations } from "../schema";

export type GenerationRow = typeof generations.$inferSelect;
export type NewGenerationRow = typeof generations.$inferInsert;

/** Scoped by account: another account's generation is simply not found. */
export async function findGeneration(db: Db, accountId: string, id: string): Promise<GenerationRow | undefined> {
  return db
    .select()
    .from(generations)
    .where(and(eq(generations.accountId, accountId), eq(generations.id, id)))
    .get();
}
