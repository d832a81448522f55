import { and, desc, eq, getTableColumns, gte, inArray, isNotNull, isNull, lt, lte, notInArray, or, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../client";
import { type EngineAttempt, type GenerationStatus, generations, images, products } from "../schema";
import { cachedImage, cachedProduct, rememberImage, rememberProduct } from "./refs-cache";

export type { EngineAttempt, GenerationCompat } from "../schema";
export type GenerationRow = typeof generations.$inferSelect;
export type NewGenerationRow = typeof generations.$inferInsert;
/** A statement that can join a `db.batch` (one D1 round trip, one transaction). */
export type RepoBatchItem = BatchItem<"sqlite">;

/** Scoped by account: another account's generation is simply not found. */
export async function findGeneration(db: Db, accountId: string, id: string): Promise<GenerationRow | undefined> {
  return db
    .select()
    .from(generations)
    .where(and(eq(generations.accountId, accountId), eq(generations.id, id)))
    .get();
}

/** Whether a generation with this id exists on any account (ids are unguessable; tells "another account's" from "unknown"). */
/** True when generation `id` exists under an account other than `exceptAccountIds`. */
export async function generationExistsElsewhere(db: Db, id: string, exceptAccountIds: string[]): Promise<boolean> {
  const row = await db
    .select({ id: generations.id })
    .from(generations)
    .where(and(eq(generations.id, id), notInArray(generations.accountId, exceptAccountIds)))
    .get();
  return row !== undefined;
}

/**
 * The reads a try-on needs, in at most ONE round trip: the referenced product and the
 * uploaded person image (either may be skipped). A row this isolate has cached live
 * (refs-cache.ts) is not read again; what D1 returns is cached. Rows are returned as stored;
 * the services decide what "expired" means.
 */
export async function findTryOnRefs(
  db: Db,
  accountId: string,
  productExternalId: string | null,
  imageId: string | null,
  at: number,
): Promise<{ product: typeof products.$inferSelect | undefined; image: typeof images.$inferSelect | undefined }> {
  const cachedP = productExternalId === null ? undefined : cachedProduct(accountId, productExternalId, at);
  const cachedI = imageId === null ? undefined : cachedImage(accountId, imageId, at);
  const wantP = cachedP === undefined ? productExternalId : null;
  const wantI = cachedI === undefined ? imageId : null;
  const read = await readTryOnRefs(db, accountId, wantP, wantI);
  if (read.product) rememberProduct(read.product, at);
  if (read.image) rememberImage(read.image, at);
  return { product: cachedP ?? read.product, image: cachedI ?? read.image };
}

async function readTryOnRefs(
  db: Db,
  accountId: string,
  productExternalId: string | null,
  imageId: string | null,
): Promise<{ product: typeof products.$inferSelect | undefined; image: typeof images.$inferSelect | undefined }> {
  const productQuery = db
    .select()
    .from(products)
    .where(and(eq(products.accountId, accountId), eq(products.externalId, productExternalId ?? "")))
    .limit(productExternalId === null ? 0 : 1);
  const imageQuery = db
    .select()
    .from(images)
    .where(and(eq(images.accountId, accountId), eq(images.id, imageId ?? "")))
    .limit(imageId === null ? 0 : 1);
  if (productExternalId !== null && imageId !== null) {
    const [p, i] = await db.batch([productQuery, imageQuery]);
    return { product: p[0], image: i[0] };
  }
  if (productExternalId !== null) return { product: (await productQuery)[0], image: undefined };
  if (imageId !== null) return { product: undefined, image: (await imageQuery)[0] };
  return { product: undefined, image: undefined };
}

/** Statement refreshing a product's lifetime on use (joins the generation insert batch). */
export function productUsageStatement(db: Db, accountId: string, externalId: string, lastUsedAt: number, expiresAt: number | null): RepoBatchItem {
  return db
    .update(products)
    .set({ lastUsedAt, expiresAt })
    .where(and(eq(products.accountId, accountId), eq(products.externalId, externalId)));
}

/**
 * Inserts the generation together with `extra` statements (e.g. the product
 * lifetime refresh) in ONE batch: one round trip, all-or-nothing.
 */
export async function insertGenerationBatch(db: Db, row: NewGenerationRow, extra: RepoBatchItem[] = []): Promise<void> {
  const insert = db.insert(generations).values(row);
  await db.batch([insert, ...extra] as [RepoBatchItem, ...RepoBatchItem[]]);
}

/** The columns `db.insert(generations)` writes, in its order, by row key (drizzle's names and encodings). */
const INSERT_COLUMNS = Object.entries(getTableColumns(generations)).filter(([, column]) => column.generated === undefined);

/**
 * Delivers generations an AccountGate accepted into its outbox, in ONE batch:
 * the rows inserted by one statement, each unless it is already there (a
 * delivery repeated after a crash changes nothing), and each product's
 * lifetime refreshed once. The rows travel as one JSON parameter that
 * `json_each` unpacks: D1 binds at most 100 parameters a statement, a
 * generation has ~25, and one statement for the batch costs D1 less than one
 * per row (docs/performance.md, "The outbox, built"). Each value is encoded by
 * its drizzle column and a missing one takes the column's default, as
 * `db.insert(generations).values(row)` would.
 */
export async function insertAcceptedGenerations(
  db: Db,
  accountId: string,
  rows: readonly NewGenerationRow[],
  touches: ReadonlyArray<{ externalId: string; lastUsedAt: number; expiresAt: number | null }>,
): Promise<void> {
  if (rows.length === 0) return;
  const values = (rows as ReadonlyArray<Record<string, unknown>>).map((row) =>
    INSERT_COLUMNS.map(([key, column]) => {
      const value = row[key] === undefined ? column.default : row[key];
      return value === undefined || value === null ? null : column.mapToDriverValue(value);
    }),
  );
  const picks = sql.raw(INSERT_COLUMNS.map((_, i) => `json_extract(value, '$[${i}]')`).join(", "));
  const insert = db
    .insert(generations)
    // `WHERE true` tells SQLite the ON CONFLICT clause that follows belongs to the INSERT, not to a join.
    .select(sql`select ${picks} from json_each(${JSON.stringify(values)}) where true`)
    .onConflictDoNothing({ target: generations.id });
  const statements: RepoBatchItem[] = [insert];
  for (const t of touches) statements.push(productUsageStatement(db, accountId, t.externalId, t.lastUsedAt, t.expiresAt));
  await db.batch(statements as [RepoBatchItem, ...RepoBatchItem[]]);
}

/** What `withdrawPendingGeneration` found: removed now, never there (or already gone), or there in another status. */
export type Withdrawal = "withdrawn" | "absent" | "exists";

/**
 * Removes a generation that was recorded but never enqueued, only while it is
 * still PENDING (nobody has claimed it), and says what it found, in one round
 * trip: "absent" (confirmed not there: never written, or already removed) is
 * told apart from "exists" (there, in another status: someone runs it).
 */
export async function withdrawPendingGeneration(db: Db, accountId: string, id: string): Promise<Withdrawal> {
  const [deleted, left] = await db.batch([
    db
      .delete(generations)
      .where(and(eq(generations.accountId, accountId), eq(generations.id, id), eq(generations.status, "PENDING")))
      .returning({ id: generations.id }),
    db
      .select({ id: generations.id })
      .from(generations)
      .where(and(eq(generations.accountId, accountId), eq(generations.id, id))),
  ]);
  if (deleted.length === 1) return "withdrawn";
  return left.length === 0 ? "absent" : "exists";
}

/**
 * Claims a generation for an engine run (compare-and-set). A PENDING row is
 * claimed by any delivery; a PROCESSING row without an upstream job is
 * re-claimed only by a LATER delivery attempt of the queue (a retry after a
 * transient failure or a crashed consumer), never by a duplicate of the same
 * attempt. Returns undefined when someone else owns it or it is terminal.
 */
export async function claimForRun(db: Db, accountId: string, id: string, deliveryAttempt: number, now: number, hop = 0): Promise<GenerationRow | undefined> {
  const [row] = await db
    .update(generations)
    .set({
      status: "PROCESSING",
      attempts: sql`max(${generations.attempts} + 1, ${deliveryAttempt})`,
      startedAt: sql`coalesce(${generations.startedAt}, ${now})`,
      engineStartedAt: sql`coalesce(${generations.engineStartedAt}, ${now})`,
      updatedAt: now,
    })
    .where(
      and(
        eq(generations.accountId, accountId),
        eq(generations.id, id),
        // A message of a superseded engine (an earlier hop of the fallback list) never claims.
        eq(generations.engineHop, hop),
        or(
          eq(generations.status, "PENDING"),
          and(eq(generations.status, "PROCESSING"), isNull(generations.engineJobId), lt(generations.attempts, deliveryAttempt)),
        ),
      ),
    )
    .returning();
  return row;
}

/**
 * Claims a PROCESSING generation for one poll of its upstream job. The poll
 * message carries the `updated_at` value written when it was enqueued (a
 * lease); the claim moves `updated_at` forward, so a duplicate of the same poll
 * message can never match again.
 */
export async function claimForPoll(
  db: Db,
  accountId: string,
  id: string,
  jobId: string,
  lease: number,
  now: number,
  hop = 0,
): Promise<GenerationRow | undefined> {
  const [row] = await db
    .update(generations)
    .set({ updatedAt: Math.max(now, lease + 1) })
    .where(
      and(
        eq(generations.accountId, accountId),
        eq(generations.id, id),
        eq(generations.status, "PROCESSING"),
        eq(generations.engineHop, hop),
        eq(generations.engineJobId, jobId),
        eq(generations.updatedAt, lease),
      ),
    )
    .returning();
  return row;
}

/**
 * Records an upstream job id on a PROCESSING generation still holding the
 * lease `heldLease` (its `updated_at` as this consumer left it) and moves the
 * lease to `nextLease` for the poll message. Undefined if the generation was
 * cancelled, timed out or taken over meanwhile.
 */
export async function recordEngineJob(db: Db, accountId: string, id: string, jobId: string, heldLease: number, nextLease: number): Promise<number | undefined> {
  const [row] = await db
    .update(generations)
    .set({ engineJobId: jobId, updatedAt: nextLease })
    .where(and(eq(generations.accountId, accountId), eq(generations.id, id), eq(generations.status, "PROCESSING"), eq(generations.updatedAt, heldLease)))
    .returning({ updatedAt: generations.updatedAt });
  return row?.updatedAt;
}

/**
 * Hands a PROCESSING generation from the engine at `fromHop` to the next one of its list
 * (compare-and-set on the hop: of two consumers that both saw the engine give up, one moves it).
 * The new engine starts afresh: no upstream job, no attempts counted.
 */
export async function switchEngine(
  db: Db,
  accountId: string,
  id: string,
  fromHop: number,
  next: { engine: string; engineAttempts: EngineAttempt[]; costUsdMicros: number | null; updatedAt: number },
): Promise<GenerationRow | undefined> {
  const [row] = await db
    .update(generations)
    .set({ ...next, engineHop: fromHop + 1, engineJobId: null, attempts: 0, engineStartedAt: null })
    .where(and(eq(generations.accountId, accountId), eq(generations.id, id), eq(generations.status, "PROCESSING"), eq(generations.engineHop, fromHop)))
    .returning();
  return row;
}

export type TerminalPatch = Pick<
  NewGenerationRow,
  "errorCode" | "errorMessage" | "retryable" | "resultImageId" | "resultR2Key" | "resultExpiresAt" | "completedAt" | "durationMs"
> &
  Partial<Pick<NewGenerationRow, "engineAttempts" | "costUsdMicros">> & { status: "COMPLETED" | "FAILED"; updatedAt: number };

/**
 * The one terminal transition: succeeds (returns the row) only if the
 * generation is still in one of `from`; whoever gets the row settles credits
 * and emits the event. Everyone else lost the race and does nothing.
 */
export async function finishGeneration(
  db: Db,
  accountId: string,
  id: string,
  from: readonly GenerationStatus[],
  patch: TerminalPatch,
  /** When set, only the engine at this hop of the fallback list may finish it (a superseded engine's late answer is dropped). */
  hop?: number,
): Promise<GenerationRow | undefined> {
  const [row] = await db
    .update(generations)
    .set(patch)
    .where(
      and(
        eq(generations.accountId, accountId),
        eq(generations.id, id),
        inArray(generations.status, [...from]),
        hop === undefined ? undefined : eq(generations.engineHop, hop),
      ),
    )
    .returning();
  return row;
}

/** Records the credit settlement of a terminal generation (only from `reserved`, so it happens once). */
export async function setCreditState(db: Db, accountId: string, id: string, state: "committed" | "refunded" | "none"): Promise<void> {
  await db
    .update(generations)
    .set({ creditState: state })
    .where(and(eq(generations.accountId, accountId), eq(generations.id, id), eq(generations.creditState, "reserved")));
}

export async function markEventEmitted(db: Db, accountId: string, id: string, at: number): Promise<void> {
  await db
    .update(generations)
    .set({ eventEmittedAt: at })
    .where(and(eq(generations.accountId, accountId), eq(generations.id, id), isNull(generations.eventEmittedAt)));
}

export interface GenerationFilters {
  status?: GenerationStatus;
  externalUserId?: string;
  productExternalId?: string;
  /** createdAt bounds, epoch ms, inclusive. */
  from?: number;
  to?: number;
}

/** Newest first; `before` is the last id of the previous page. Reads `limit + 1` rows to know `hasMore`. */
export async function listGenerations(db: Db, accountId: string, filters: GenerationFilters, limit: number, before?: string): Promise<GenerationRow[]> {
  const conds: SQL[] = [eq(generations.accountId, accountId)];
  if (before) conds.push(lt(generations.id, before));
  if (filters.status) conds.push(eq(generations.status, filters.status));
  if (filters.externalUserId !== undefined) conds.push(eq(generations.externalUserId, filters.externalUserId));
  if (filters.productExternalId !== undefined) conds.push(eq(generations.productExternalId, filters.productExternalId));
  if (filters.from !== undefined) conds.push(gte(generations.createdAt, filters.from));
  if (filters.to !== undefined) conds.push(lte(generations.createdAt, filters.to));
  return db
    .select()
    .from(generations)
    .where(and(...conds))
    .orderBy(desc(generations.id))
    .limit(limit + 1)
    .all();
}

// ---- Sweep queries: cross-account by nature (the cron owns every account's work), always bounded. ----

/** Non-terminal generations past their deadline. */
export async function findOverdue(db: Db, now: number, limit: number): Promise<Pick<GenerationRow, "id" | "accountId">[]> {
  return db
    .select({ id: generations.id, accountId: generations.accountId })
    .from(generations)
    .where(and(inArray(generations.status, ["PENDING", "PROCESSING"]), lt(generations.deadlineAt, now)))
    .limit(limit)
    .all();
}

/** PENDING generations untouched since `before` (their queue message was probably lost). */
export async function findStalePending(db: Db, before: number, now: number, limit: number): Promise<Pick<GenerationRow, "id" | "accountId" | "updatedAt">[]> {
  return db
    .select({ id: generations.id, accountId: generations.accountId, updatedAt: generations.updatedAt })
    .from(generations)
    .where(and(eq(generations.status, "PENDING"), lt(generations.updatedAt, before), gte(generations.deadlineAt, now)))
    .limit(limit)
    .all();
}

/**
 * PROCESSING generations waiting on a remote job whose lease (`updated_at`)
 * has not moved for a while: their poll message was lost, or a consumer died
 * after claiming a poll and before enqueueing the next one.
 */
export async function findStalledPolls(
  db: Db,
  before: number,
  now: number,
  limit: number,
): Promise<Array<Pick<GenerationRow, "id" | "accountId" | "updatedAt" | "engineHop"> & { engineJobId: string }>> {
  const rows = await db
    .select({
      id: generations.id,
      accountId: generations.accountId,
      updatedAt: generations.updatedAt,
      engineJobId: generations.engineJobId,
      engineHop: generations.engineHop,
    })
    .from(generations)
    .where(and(eq(generations.status, "PROCESSING"), isNotNull(generations.engineJobId), lt(generations.updatedAt, before), gte(generations.deadlineAt, now)))
    .limit(limit)
    .all();
  return rows.flatMap((r) => (r.engineJobId === null ? [] : [{ ...r, engineJobId: r.engineJobId }]));
}

/**
 * Moves a PROCESSING row's `updated_at` from `seen` to `now` when `condition` still holds (compare-and-set):
 * the sweep's claim on a stalled row, so only one sweep acts on it per window.
 */
async function touchIfUnchanged(db: Db, accountId: string, id: string, seen: number, now: number, condition: SQL): Promise<boolean> {
  const rows = await db
    .update(generations)
    .set({ updatedAt: now })
    .where(and(eq(generations.accountId, accountId), eq(generations.id, id), eq(generations.status, "PROCESSING"), condition, eq(generations.updatedAt, seen)))
    .returning({ id: generations.id });
  return rows.length > 0;
}

/** Takes over a stalled poll's lease (compare-and-set): any older poll message can no longer claim it. */
export function takeOverStalledPoll(db: Db, accountId: string, id: string, seen: number, now: number): Promise<boolean> {
  return touchIfUnchanged(db, accountId, id, seen, now, isNotNull(generations.engineJobId));
}

/**
 * PROCESSING generations handed to a fallback engine whose run message never
 * claimed them (it was lost, or its send failed): no upstream job, the new
 * engine never started, and `updated_at` has not moved for a while.
 */
export async function findStaleHandOvers(
  db: Db,
  before: number,
  now: number,
  limit: number,
): Promise<Pick<GenerationRow, "id" | "accountId" | "updatedAt" | "engineHop">[]> {
  return db
    .select({ id: generations.id, accountId: generations.accountId, updatedAt: generations.updatedAt, engineHop: generations.engineHop })
    .from(generations)
    .where(
      and(
        eq(generations.status, "PROCESSING"),
        isNull(generations.engineJobId),
        isNull(generations.engineStartedAt),
        lt(generations.updatedAt, before),
        gte(generations.deadlineAt, now),
      ),
    )
    .limit(limit)
    .all();
}

/** Moves a stale hand-over's `updated_at` (compare-and-set) so only one sweep re-sends its run message per window. */
export function touchStaleHandOver(db: Db, accountId: string, id: string, seen: number, now: number): Promise<boolean> {
  return touchIfUnchanged(db, accountId, id, seen, now, isNull(generations.engineStartedAt));
}

/** Moves a stale PENDING row's `updated_at` (compare-and-set) so only one sweep re-enqueues it per window. */
export async function touchStalePending(db: Db, accountId: string, id: string, seen: number, now: number): Promise<boolean> {
  const rows = await db
    .update(generations)
    .set({ updatedAt: now })
    .where(and(eq(generations.accountId, accountId), eq(generations.id, id), eq(generations.status, "PENDING"), eq(generations.updatedAt, seen)))
    .returning({ id: generations.id });
  return rows.length > 0;
}

/**
 * Terminal generations whose "finished" event was never emitted (a consumer
 * died mid-way). Unsettled credits are the credit reconciler's job
 * (services/credit-reconcile.ts); settling them here too would scan twice.
 */
export async function findUnemitted(db: Db, before: number, limit: number): Promise<GenerationRow[]> {
  return db
    .select()
    .from(generations)
    .where(and(inArray(generations.status, ["COMPLETED", "FAILED"]), isNull(generations.eventEmittedAt), lt(generations.updatedAt, before)))
    .limit(limit)
    .all();
}

/** Generations of one account created at or after `since`, counted per UTC day (epoch day number) and status. */
export async function countByDayAndStatus(
  db: Db,
  accountId: string,
  since: number,
  dayMs: number,
): Promise<Array<{ day: number; status: GenerationStatus; n: number }>> {
  const day = sql<number>`cast(${generations.createdAt} / ${dayMs} as integer)`;
  return db
    .select({ day, status: generations.status, n: sql<number>`count(*)` })
    .from(generations)
    .where(and(eq(generations.accountId, accountId), gte(generations.createdAt, since)))
    .groupBy(day, generations.status)
    .all();
}

/** Error codes of one account's generations created at or after `since`, most frequent first. */
export async function countErrorCodes(db: Db, accountId: string, since: number): Promise<Array<{ code: string; n: number }>> {
  const n = sql<number>`count(*)`;
  const rows = await db
    .select({ code: generations.errorCode, n })
    .from(generations)
    .where(and(eq(generations.accountId, accountId), gte(generations.createdAt, since), isNotNull(generations.errorCode)))
    .groupBy(generations.errorCode)
    .orderBy(desc(n), generations.errorCode)
    .all();
  return rows.flatMap((r) => (r.code === null ? [] : [{ code: r.code, n: r.n }]));
}

/**
 * Per UTC day (created_at / dayMs) of one account in [from, to): terminal generations, how many
 * were charged (their credit committed), and the upstream cost the engines reported.
 */
export async function costsByDay(
  db: Db,
  accountId: string,
  from: number,
  to: number,
  dayMs: number,
): Promise<Array<{ day: number; generations: number; charged: number; costUsdMicros: number }>> {
  const day = sql<number>`cast(${generations.createdAt} / ${dayMs} as integer)`;
  return db
    .select({
      day,
      generations: sql<number>`count(*)`,
      charged: sql<number>`sum(case when ${generations.creditState} = 'committed' then 1 else 0 end)`,
      costUsdMicros: sql<number>`coalesce(sum(${generations.costUsdMicros}), 0)`,
    })
    .from(generations)
    .where(
      and(
        eq(generations.accountId, accountId),
        gte(generations.createdAt, from),
        lt(generations.createdAt, to),
        inArray(generations.status, ["COMPLETED", "FAILED"]),
      ),
    )
    .groupBy(day)
    .orderBy(day)
    .all();
}
