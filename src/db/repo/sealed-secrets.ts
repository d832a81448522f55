import { and, asc, eq, gt, isNotNull, isNull, like, not, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../client";
import { webhookDefaultSecrets, webhookEndpoints } from "../schema";

/**
 * Webhook signing secrets as sealed values, for re-sealing them under the
 * current at-rest key (src/services/at-rest/reseal.ts). A value is current when
 * it starts `v2.<current key id>.`; an expired previous secret is never used
 * again, so it does not count.
 */
export type SealedTable = "webhook_endpoints" | "webhook_default_secrets";

export interface SealedRow {
  table: SealedTable;
  /** The row's key: the endpoint id, or the account id of a default secret. */
  id: string;
  secretEnc: string;
  previousSecretEnc: string | null;
  previousSecretExpiresAt: number | null;
}

type Cols = typeof webhookEndpoints | typeof webhookDefaultSecrets;

function staleWhere(t: Cols, keyId: string, now: number): SQL | undefined {
  const current = `v2.${keyId}.%`;
  return or(not(like(t.secretEnc, current)), and(isNotNull(t.previousSecretEnc), gt(t.previousSecretExpiresAt, now), not(like(t.previousSecretEnc, current))));
}

export async function countStale(db: Db, keyId: string, now: number): Promise<Record<SealedTable, number>> {
  const [e, d] = await Promise.all([
    db
      .select({ n: sql<number>`count(*)` })
      .from(webhookEndpoints)
      .where(staleWhere(webhookEndpoints, keyId, now))
      .get(),
    db
      .select({ n: sql<number>`count(*)` })
      .from(webhookDefaultSecrets)
      .where(staleWhere(webhookDefaultSecrets, keyId, now))
      .get(),
  ]);
  return { webhook_endpoints: e?.n ?? 0, webhook_default_secrets: d?.n ?? 0 };
}

/** Up to `limit` stale rows of `table` with a key after `after`, in key order. */
export async function findStale(db: Db, table: SealedTable, keyId: string, now: number, after: string | null, limit: number): Promise<SealedRow[]> {
  if (table === "webhook_endpoints") {
    const t = webhookEndpoints;
    const rows = await db
      .select({ id: t.id, secretEnc: t.secretEnc, previousSecretEnc: t.previousSecretEnc, previousSecretExpiresAt: t.previousSecretExpiresAt })
      .from(t)
      .where(and(staleWhere(t, keyId, now), after ? gt(t.id, after) : undefined))
      .orderBy(asc(t.id))
      .limit(limit)
      .all();
    return rows.map((r) => ({ table, ...r }));
  }
  const t = webhookDefaultSecrets;
  const rows = await db
    .select({ id: t.accountId, secretEnc: t.secretEnc, previousSecretEnc: t.previousSecretEnc, previousSecretExpiresAt: t.previousSecretExpiresAt })
    .from(t)
    .where(and(staleWhere(t, keyId, now), after ? gt(t.accountId, after) : undefined))
    .orderBy(asc(t.accountId))
    .limit(limit)
    .all();
  return rows.map((r) => ({ table, ...r }));
}

/**
 * Replaces a row's sealed values only if they are still the ones read
 * (a rotation of the secret meanwhile wins); true when replaced.
 */
export async function replaceSealed(
  db: Db,
  row: SealedRow,
  next: { secretEnc: string; previousSecretEnc: string | null; previousSecretExpiresAt: number | null },
  now: number,
): Promise<boolean> {
  const samePrevious = (col: typeof webhookEndpoints.previousSecretEnc | typeof webhookDefaultSecrets.previousSecretEnc) =>
    row.previousSecretEnc === null ? isNull(col) : eq(col, row.previousSecretEnc);
  if (row.table === "webhook_endpoints") {
    const t = webhookEndpoints;
    const updated = await db
      .update(t)
      .set({ ...next, updatedAt: now })
      .where(and(eq(t.id, row.id), eq(t.secretEnc, row.secretEnc), samePrevious(t.previousSecretEnc)))
      .returning({ id: t.id })
      .all();
    return updated.length === 1;
  }
  const t = webhookDefaultSecrets;
  const updated = await db
    .update(t)
    .set({ ...next, updatedAt: now })
    .where(and(eq(t.accountId, row.id), eq(t.secretEnc, row.secretEnc), samePrevious(t.previousSecretEnc)))
    .returning({ id: t.accountId })
    .all();
  return updated.length === 1;
}
