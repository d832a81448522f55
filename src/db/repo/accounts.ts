import { and, desc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../client";
import { accounts, apiKeys } from "../schema";

export type AccountRow = typeof accounts.$inferSelect;
export type NewAccountRow = typeof accounts.$inferInsert;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type NewApiKeyRow = typeof apiKeys.$inferInsert;

export async function insertAccount(db: Db, row: NewAccountRow): Promise<AccountRow> {
  const [created] = await db.insert(accounts).values(row).returning();
  if (!created) throw new Error("account insert returned no row");
  return created;
}

/** Inserts the row unless an account with its id exists (a test twin is created lazily, by whoever needs it first). */
export async function insertAccountIfAbsent(db: Db, row: NewAccountRow): Promise<void> {
  await db.insert(accounts).values(row).onConflictDoNothing({ target: accounts.id }).run();
}

export async function findAccount(db: Db, id: string): Promise<AccountRow | undefined> {
  return db.select().from(accounts).where(eq(accounts.id, id)).get();
}

/**
 * Newest first; `before` is the last id of the previous page. Test twins (ids ending in `_test`) are not listed. `search` (optional) matches an account id exactly, or a part of its name (case-insensitive for ASCII). */
export async function listAccounts(db: Db, limit: number, before?: string, search?: string): Promise<AccountRow[]> {
  const term = search?.trim();
  const pattern = term ? `%${term.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%` : null;
  return db
    .select()
    .from(accounts)
    .where(
      and(
        sql`${accounts.id} NOT GLOB '*_test'`,
        before ? lt(accounts.id, before) : undefined,
        term && pattern ? or(eq(accounts.id, term), sql`${accounts.name} like ${pattern} escape '\\'`) : undefined,
      ),
    )
    .orderBy(desc(accounts.id))
    .limit(limit)
    .all();
}

export type AccountPatch = Partial<Omit<NewAccountRow, "id" | "createdAt">>;

/**
 * Updates an account and, in the same batch, its test twin with `mirrored`
 * (the settings that follow the live account). Returns the live row.
 */
export async function updateAccountAndTwin(db: Db, id: string, patch: AccountPatch, twinId: string, mirrored: AccountPatch): Promise<AccountRow | undefined> {
  const live = db.update(accounts).set(patch).where(eq(accounts.id, id)).returning();
  if (Object.values(mirrored).every((v) => v === undefined)) {
    const [row] = await live;
    return row;
  }
  const [[row]] = await db.batch([live, db.update(accounts).set(mirrored).where(eq(accounts.id, twinId))]);
  return row;
}

export async function insertApiKey(db: Db, row: NewApiKeyRow): Promise<ApiKeyRow> {
  const [created] = await db.insert(apiKeys).values(row).returning();
  if (!created) throw new Error("api key insert returned no row");
  return created;
}

/** Newest first; `before` is the last id of the previous page. */
export async function listApiKeys(db: Db, accountIds: string[], limit: number, before?: string): Promise<ApiKeyRow[]> {
  return db
    .select()
    .from(apiKeys)
    .where(and(inArray(apiKeys.accountId, accountIds), before ? lt(apiKeys.id, before) : undefined))
    .orderBy(desc(apiKeys.id))
    .limit(limit)
    .all();
}

export async function findApiKey(db: Db, accountIds: string[], keyId: string): Promise<ApiKeyRow | undefined> {
  return db
    .select()
    .from(apiKeys)
    .where(and(inArray(apiKeys.accountId, accountIds), eq(apiKeys.id, keyId)))
    .get();
}

export async function updateApiKey(
  db: Db,
  accountIds: string[],
  keyId: string,
  patch: Partial<Pick<NewApiKeyRow, "name" | "rateLimitPerMinute" | "rateLimitBurst" | "spendCap" | "revokedAt" | "expiresAt">>,
): Promise<ApiKeyRow | undefined> {
  const [row] = await db
    .update(apiKeys)
    .set(patch)
    .where(and(inArray(apiKeys.accountId, accountIds), eq(apiKeys.id, keyId)))
    .returning();
  return row;
}

/**
 * Rolls a key in ONE batch (one transaction): a new key copying the old one's account, name and
 * limits from the row as it is now, and the old key's `expires_at`, both only while the old key is
 * live and not rolled yet (not revoked, no expiry). Two rolls racing on one key make one successor;
 * a crash leaves either both changes or neither (never an expiring key without its successor).
 * Answers both rows, or undefined when the key was not rollable (or not there).
 */
export async function rollApiKey(
  db: Db,
  accountId: string,
  keyId: string,
  fresh: Pick<NewApiKeyRow, "id" | "keyHash" | "displayPrefix" | "createdAt">,
  oldExpiresAt: number,
): Promise<{ created: ApiKeyRow; previous: ApiKeyRow } | undefined> {
  const rollable = and(eq(apiKeys.accountId, accountId), eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt), isNull(apiKeys.expiresAt));
  // Every column, in the table's order (drizzle checks it): literals for the new key's own values.
  const successor = db
    .select({
      id: sql<string>`${fresh.id}`.as("id"),
      accountId: apiKeys.accountId,
      name: apiKeys.name,
      keyHash: sql<string>`${fresh.keyHash}`.as("key_hash"),
      displayPrefix: sql<string>`${fresh.displayPrefix}`.as("display_prefix"),
      rateLimitPerMinute: apiKeys.rateLimitPerMinute,
      rateLimitBurst: apiKeys.rateLimitBurst,
      spendCap: apiKeys.spendCap,
      createdAt: sql<number>`${fresh.createdAt}`.as("created_at"),
      revokedAt: sql<number | null>`null`.as("revoked_at"),
      expiresAt: sql<number | null>`null`.as("expires_at"),
      lastUsedAt: sql<number | null>`null`.as("last_used_at"),
    })
    .from(apiKeys)
    .where(rollable);
  const [created, previous] = await db.batch([
    db.insert(apiKeys).select(successor).returning(),
    db.update(apiKeys).set({ expiresAt: oldExpiresAt }).where(rollable).returning(),
  ]);
  const [newRow] = created;
  const [oldRow] = previous;
  return newRow && oldRow ? { created: newRow, previous: oldRow } : undefined;
}

/** The auth lookup: one query joining the key to its account. */
export async function findKeyWithAccountByHash(db: Db, keyHash: string): Promise<{ key: ApiKeyRow; account: AccountRow } | undefined> {
  const row = await db
    .select({ key: apiKeys, account: accounts })
    .from(apiKeys)
    .innerJoin(accounts, eq(apiKeys.accountId, accounts.id))
    .where(eq(apiKeys.keyHash, keyHash))
    .get();
  return row ?? undefined;
}

/** Records a key's use unless it was recorded less than `everyMs` ago (the condition makes racing writers harmless). */
export async function touchApiKeyLastUsed(db: Db, keyId: string, now: number, everyMs: number): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, keyId), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - everyMs))))
    .run();
}

/** The logo columns of an account row (all null together when it has none). */
export type AccountLogoColumns = Pick<AccountRow, "logoR2Key" | "logoFormat" | "logoWidth" | "logoHeight" | "logoUpdatedAt">;

/**
 * Sets (or clears, with all nulls) the account's logo only while its current logo key is still
 * `expectedKey`, so two racing uploads cannot both believe they replaced the same logo (the
 * loser learns it and removes its own object). Returns the updated row, or undefined when the
 * account is gone or its logo changed meanwhile.
 */
export async function swapAccountLogo(
  db: Db,
  id: string,
  expectedKey: string | null,
  logo: AccountLogoColumns,
  updatedAt: number,
): Promise<AccountRow | undefined> {
  const [row] = await db
    .update(accounts)
    .set({ ...logo, updatedAt })
    .where(and(eq(accounts.id, id), expectedKey === null ? isNull(accounts.logoR2Key) : eq(accounts.logoR2Key, expectedKey)))
    .returning();
  return row;
}
