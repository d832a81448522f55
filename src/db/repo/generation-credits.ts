import { and, eq, inArray, lt } from "drizzle-orm";
import type { Db } from "../client";
import { type GenerationStatus, generations } from "../schema";

export type CreditState = "none" | "reserved" | "committed" | "refunded";

/** Status of each listed generation of one account (absent ids were never recorded). */
export async function findGenerationCreditStates(db: Db, accountId: string, ids: string[]): Promise<Map<string, GenerationStatus>> {
  const out = new Map<string, GenerationStatus>();
  if (ids.length === 0) return out;
  const rows = await db
    .select({ id: generations.id, status: generations.status })
    .from(generations)
    .where(and(eq(generations.accountId, accountId), inArray(generations.id, ids)))
    .all();
  for (const r of rows) out.set(r.id, r.status);
  return out;
}

export interface UnsettledGeneration {
  id: string;
  accountId: string;
  status: GenerationStatus;
  errorCode: string | null;
  /** The key that charged it: with key shards on, its credit is settled at that key's shard. */
  apiKeyId: string | null;
}

/**
 * Terminal generations whose credit was reserved but not yet settled in the
 * ledger (a crash between the terminal transition and the settle call).
 * Cross-account on purpose: this is the reconciler's scan, bounded by `limit`.
 */
export async function listUnsettledTerminalGenerations(db: Db, updatedBefore: number, limit: number): Promise<UnsettledGeneration[]> {
  return db
    .select({
      id: generations.id,
      accountId: generations.accountId,
      status: generations.status,
      errorCode: generations.errorCode,
      apiKeyId: generations.apiKeyId,
    })
    .from(generations)
    .where(and(eq(generations.creditState, "reserved"), inArray(generations.status, ["COMPLETED", "FAILED"]), lt(generations.updatedAt, updatedBefore)))
    .limit(limit)
    .all();
}

/** Records what the ledger was told; conditional on the expected prior state so it never moves backwards. */
export async function markGenerationCreditState(db: Db, accountId: string, id: string, from: CreditState, to: CreditState): Promise<boolean> {
  const res = await db
    .update(generations)
    .set({ creditState: to })
    .where(and(eq(generations.accountId, accountId), eq(generations.id, id), eq(generations.creditState, from)))
    .returning({ id: generations.id });
  return res.length > 0;
}
