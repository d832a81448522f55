import { and, desc, eq, gt, gte, inArray, isNotNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../client";
import { webhookAttempts, webhookDefaultSecrets, webhookDeliveries, webhookEndpoints } from "../schema";

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type NewWebhookEndpointRow = typeof webhookEndpoints.$inferInsert;
export type WebhookDefaultSecretRow = typeof webhookDefaultSecrets.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type NewWebhookDeliveryRow = typeof webhookDeliveries.$inferInsert;
export type WebhookAttemptRow = typeof webhookAttempts.$inferSelect;
export type NewWebhookAttemptRow = typeof webhookAttempts.$inferInsert;

// ---- endpoints ---------------------------------------------------------------

export async function insertEndpoint(db: Db, row: NewWebhookEndpointRow): Promise<WebhookEndpointRow> {
  const [created] = await db.insert(webhookEndpoints).values(row).returning();
  if (!created) throw new Error("webhook endpoint insert returned no row");
  return created;
}

export async function findEndpoint(db: Db, accountId: string, id: string): Promise<WebhookEndpointRow | undefined> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.accountId, accountId), eq(webhookEndpoints.id, id)))
    .get();
}

/** Newest first; `before` is the last id of the previous page. */
export async function listEndpoints(db: Db, accountId: string, limit: number, before?: string): Promise<WebhookEndpointRow[]> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.accountId, accountId), before ? lt(webhookEndpoints.id, before) : undefined))
    .orderBy(desc(webhookEndpoints.id))
    .limit(limit)
    .all();
}

export async function countEndpoints(db: Db, accountId: string): Promise<number> {
  const row = await db.select({ n: sql<number>`count(*)` }).from(webhookEndpoints).where(eq(webhookEndpoints.accountId, accountId)).get();
  return row?.n ?? 0;
}

export async function listEnabledEndpoints(db: Db, accountId: string): Promise<WebhookEndpointRow[]> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.accountId, accountId), eq(webhookEndpoints.enabled, true)))
    .orderBy(webhookEndpoints.id)
    .all();
}

export async function updateEndpoint(
  db: Db,
  accountId: string,
  id: string,
  patch: Partial<Omit<NewWebhookEndpointRow, "id" | "accountId" | "createdAt">>,
): Promise<WebhookEndpointRow | undefined> {
  const [row] = await db
    .update(webhookEndpoints)
    .set(patch)
    .where(and(eq(webhookEndpoints.accountId, accountId), eq(webhookEndpoints.id, id)))
    .returning();
  return row;
}

export async function deleteEndpoint(db: Db, accountId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(webhookEndpoints)
    .where(and(eq(webhookEndpoints.accountId, accountId), eq(webhookEndpoints.id, id)))
    .returning({ id: webhookEndpoints.id });
  return rows.length > 0;
}

/** After a failed attempt: start the failing streak if none is running (the first failure's time is kept). */
export async function markEndpointFailing(db: Db, accountId: string, id: string, now: number): Promise<WebhookEndpointRow | undefined> {
  const [row] = await db
    .update(webhookEndpoints)
    .set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${now})` })
    .where(and(eq(webhookEndpoints.accountId, accountId), eq(webhookEndpoints.id, id)))
    .returning();
  return row;
}

/** After a successful attempt: the streak is over. Written only when one was running. */
export async function markEndpointHealthy(db: Db, accountId: string, id: string): Promise<void> {
  await db
    .update(webhookEndpoints)
    .set({ failingSince: null })
    .where(and(eq(webhookEndpoints.accountId, accountId), eq(webhookEndpoints.id, id), isNotNull(webhookEndpoints.failingSince)));
}

// ---- default secret ----------------------------------------------------------------

export async function findDefaultSecret(db: Db, accountId: string): Promise<WebhookDefaultSecretRow | undefined> {
  return db.select().from(webhookDefaultSecrets).where(eq(webhookDefaultSecrets.accountId, accountId)).get();
}

/** Creates the row unless one exists (two concurrent first uses keep the same secret), then returns the stored row. */
export async function ensureDefaultSecret(db: Db, row: typeof webhookDefaultSecrets.$inferInsert): Promise<WebhookDefaultSecretRow> {
  await db.insert(webhookDefaultSecrets).values(row).onConflictDoNothing({ target: webhookDefaultSecrets.accountId });
  const stored = await findDefaultSecret(db, row.accountId);
  if (!stored) throw new Error("default secret insert returned no row");
  return stored;
}

export async function updateDefaultSecret(
  db: Db,
  accountId: string,
  patch: Partial<Omit<typeof webhookDefaultSecrets.$inferInsert, "accountId" | "createdAt">>,
): Promise<WebhookDefaultSecretRow | undefined> {
  const [row] = await db.update(webhookDefaultSecrets).set(patch).where(eq(webhookDefaultSecrets.accountId, accountId)).returning();
  return row;
}

// ---- deliveries ----------------------------------------------------------------

/**
 * Inserts deliveries in one atomic batch; a row whose `dedupe_key` exists is
 * skipped. Returns only the rows created now, so a redelivered event enqueues nothing.
 */
export async function insertDeliveries(db: Db, rows: NewWebhookDeliveryRow[]): Promise<WebhookDeliveryRow[]> {
  if (rows.length === 0) return [];
  const stmts = rows.map((r) => db.insert(webhookDeliveries).values(r).onConflictDoNothing({ target: webhookDeliveries.dedupeKey }).returning());
  const [first, ...rest] = stmts;
  if (!first) return [];
  const results = await db.batch([first, ...rest]);
  return results.flat();
}

export async function findDelivery(db: Db, accountId: string, id: string): Promise<WebhookDeliveryRow | undefined> {
  return db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.accountId, accountId), eq(webhookDeliveries.id, id)))
    .get();
}

export async function findEndpointDelivery(db: Db, accountId: string, endpointId: string, id: string): Promise<WebhookDeliveryRow | undefined> {
  return db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.accountId, accountId), eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.id, id)))
    .get();
}

/** Newest first, one endpoint's deliveries; optional status filter. */
export async function listEndpointDeliveries(
  db: Db,
  accountId: string,
  endpointId: string,
  opts: { limit: number; before?: string | undefined; status?: WebhookDeliveryRow["status"] | undefined },
): Promise<WebhookDeliveryRow[]> {
  return db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.accountId, accountId),
        eq(webhookDeliveries.endpointId, endpointId),
        opts.before ? lt(webhookDeliveries.id, opts.before) : undefined,
        opts.status ? eq(webhookDeliveries.status, opts.status) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.id))
    .limit(opts.limit)
    .all();
}

/**
 * Newest first, all of the account's deliveries: to its endpoints and to per-request
 * `webhookUrl`s; optionally one generation's, and one status. Served by the account index, or
 * the generation one when filtered by generation.
 */
export async function listAccountDeliveries(
  db: Db,
  accountId: string,
  opts: {
    limit: number;
    before?: string | undefined;
    status?: WebhookDeliveryRow["status"] | undefined;
    generationId?: string | undefined;
  },
): Promise<WebhookDeliveryRow[]> {
  return db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.accountId, accountId),
        opts.generationId !== undefined ? eq(webhookDeliveries.generationId, opts.generationId) : undefined,
        opts.before ? lt(webhookDeliveries.id, opts.before) : undefined,
        opts.status ? eq(webhookDeliveries.status, opts.status) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.id))
    .limit(opts.limit)
    .all();
}

/**
 * Claims the next attempt: succeeds only while the delivery is PENDING and
 * nobody else took attempt `expectedCount + 1`, so two copies of one queue
 * message never make the same attempt.
 */
export async function claimAttempt(db: Db, accountId: string, id: string, expectedCount: number, now: number): Promise<WebhookDeliveryRow | undefined> {
  const [row] = await db
    .update(webhookDeliveries)
    .set({ attemptCount: expectedCount + 1, updatedAt: now })
    .where(
      and(
        eq(webhookDeliveries.accountId, accountId),
        eq(webhookDeliveries.id, id),
        eq(webhookDeliveries.status, "PENDING"),
        eq(webhookDeliveries.attemptCount, expectedCount),
      ),
    )
    .returning();
  return row;
}

/** Records one attempt and the delivery's new state together. */
export async function recordAttempt(
  db: Db,
  accountId: string,
  attempt: NewWebhookAttemptRow,
  delivery: Pick<NewWebhookDeliveryRow, "status" | "nextAttemptAt" | "lastStatusCode" | "lastError" | "updatedAt" | "url" | "payload">,
): Promise<void> {
  await db.batch([
    db.insert(webhookAttempts).values(attempt),
    db
      .update(webhookDeliveries)
      .set(delivery)
      .where(and(eq(webhookDeliveries.accountId, accountId), eq(webhookDeliveries.id, attempt.deliveryId))),
  ]);
}

export async function updateDelivery(
  db: Db,
  accountId: string,
  id: string,
  patch: Partial<Pick<NewWebhookDeliveryRow, "status" | "nextAttemptAt" | "lastError" | "updatedAt">>,
): Promise<WebhookDeliveryRow | undefined> {
  const [row] = await db
    .update(webhookDeliveries)
    .set(patch)
    .where(and(eq(webhookDeliveries.accountId, accountId), eq(webhookDeliveries.id, id)))
    .returning();
  return row;
}

/** Attempts of the given deliveries (of one account), oldest first; chunked under D1's 100-parameter limit. */
export async function listAttempts(db: Db, deliveryIds: string[]): Promise<WebhookAttemptRow[]> {
  const out: WebhookAttemptRow[] = [];
  for (let i = 0; i < deliveryIds.length; i += 90) {
    const chunk = deliveryIds.slice(i, i + 90);
    const rows = await db
      .select()
      .from(webhookAttempts)
      .where(inArray(webhookAttempts.deliveryId, chunk))
      .orderBy(webhookAttempts.deliveryId, webhookAttempts.attemptNo)
      .all();
    out.push(...rows);
  }
  return out;
}

// ---- sweep ---------------------------------------------------------------------

/**
 * PENDING deliveries created in [createdAfter, createdBefore) whose queue
 * message was lost: never attempted and due before `neverAttemptedBefore`, or
 * attempted and due before `overdueBefore`. Bounded by the created_at index.
 */
export async function findOverdueDeliveries(
  db: Db,
  w: { createdAfter: number; createdBefore: number; overdueBefore: number; neverAttemptedBefore: number },
  limit: number,
): Promise<WebhookDeliveryRow[]> {
  return db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        gte(webhookDeliveries.createdAt, w.createdAfter),
        lt(webhookDeliveries.createdAt, w.createdBefore),
        eq(webhookDeliveries.status, "PENDING"),
        or(
          and(eq(webhookDeliveries.attemptCount, 0), lt(webhookDeliveries.nextAttemptAt, w.neverAttemptedBefore)),
          and(gt(webhookDeliveries.attemptCount, 0), lt(webhookDeliveries.nextAttemptAt, w.overdueBefore)),
        ),
      ),
    )
    .limit(limit)
    .all();
}

/** Marks re-enqueued deliveries so the next sweeps leave them alone for a while. */
export async function touchDeliveries(db: Db, ids: string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await db.update(webhookDeliveries).set({ nextAttemptAt: now }).where(inArray(webhookDeliveries.id, ids));
}

/** Deletes up to `limit` deliveries created before `before`, with their attempts. Returns how many deliveries went. */
export async function purgeDeliveries(db: Db, before: number, limit: number): Promise<number> {
  const old = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(lt(webhookDeliveries.createdAt, before))
    .limit(Math.min(limit, 90))
    .all();
  const ids = old.map((r) => r.id);
  if (ids.length === 0) return 0;
  await db.batch([
    db.delete(webhookAttempts).where(inArray(webhookAttempts.deliveryId, ids)),
    db.delete(webhookDeliveries).where(inArray(webhookDeliveries.id, ids)),
  ]);
  return ids.length;
}
