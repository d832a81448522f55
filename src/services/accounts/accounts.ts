import type { ServiceContext } from "../../context";
import * as repo from "../../db/repo/accounts";
import { ApiError } from "../../errors";
import { newId } from "../../lib/ids";
import { idCursor, type Page, type PageRequest, pageOf } from "../../lib/pagination";
import type { KeepForDays } from "../../lib/retention-days";
import { ROLL_OVERLAP_DEFAULT_SECONDS } from "../../schemas/admin";
import { displayPrefix, generateApiKey, hashApiKey } from "./api-keys";
import { evictAccountFromAuthCache, evictKeyFromAuthCache } from "./auth";

export type Account = repo.AccountRow;
export type ApiKeyRecord = repo.ApiKeyRow;

export interface CreateAccountInput {
  name: string;
  engine?: string | null;
  rateLimitPerMinute?: number | null;
  rateLimitBurst?: number | null;
  spendCapPerDay?: number | null;
  retentionDays?: KeepForDays;
}

/** Operator verb: a new active account with no keys and no credits. */
export async function createAccount(ctx: ServiceContext, input: CreateAccountInput): Promise<Account> {
  const now = ctx.now();
  return repo.insertAccount(ctx.db, {
    id: newId("account", now),
    name: input.name,
    status: "active",
    engine: input.engine ?? null,
    rateLimitPerMinute: input.rateLimitPerMinute ?? null,
    rateLimitBurst: input.rateLimitBurst ?? null,
    spendCapPerDay: input.spendCapPerDay ?? null,
    retentionDays: input.retentionDays ?? ctx.config.DEFAULT_RETENTION_DAYS,
    createdAt: now,
    updatedAt: now,
  });
}

export async function getAccount(ctx: ServiceContext, accountId: string): Promise<Account> {
  const row = await repo.findAccount(ctx.db, accountId);
  if (!row) throw new ApiError("ACCOUNT_NOT_FOUND", `No account ${accountId}.`);
  return row;
}

const ACCOUNT_CURSOR = idCursor("accounts", "account");
const API_KEY_CURSOR = idCursor("api-keys", "apiKey");

/** Newest first; `search` narrows to an exact account id or a part of the name (the operator console). */
export async function listAccounts(ctx: ServiceContext, page: PageRequest, search?: string): Promise<Page<Account>> {
  const rows = await repo.listAccounts(ctx.db, page.limit + 1, ACCOUNT_CURSOR.decode(page.cursor), search?.slice(0, 200));
  return pageOf(
    rows,
    page.limit,
    ACCOUNT_CURSOR,
    (r) => r.id,
    (r) => r,
  );
}

export interface UpdateAccountInput extends Partial<CreateAccountInput> {
  status?: "active" | "disabled";
}

/** Disabling an account or changing its limits takes effect in this isolate at once, elsewhere within 30 s. */
export async function updateAccount(ctx: ServiceContext, accountId: string, patch: UpdateAccountInput): Promise<Account> {
  const row = await repo.updateAccount(ctx.db, accountId, { ...patch, updatedAt: ctx.now() });
  if (!row) throw new ApiError("ACCOUNT_NOT_FOUND", `No account ${accountId}.`);
  evictAccountFromAuthCache(accountId);
  return row;
}

export interface IssueKeyInput {
  name: string;
  rateLimitPerMinute?: number | null;
  rateLimitBurst?: number | null;
  spendCap?: number | null;
}

/** Issues a key; the plaintext is returned here once and never stored. */
export async function issueApiKey(ctx: ServiceContext, accountId: string, input: IssueKeyInput): Promise<{ record: ApiKeyRecord; plaintext: string }> {
  await getAccount(ctx, accountId);
  const plaintext = generateApiKey();
  const record = await repo.insertApiKey(ctx.db, {
    id: newId("apiKey", ctx.now()),
    accountId,
    name: input.name,
    keyHash: await hashApiKey(plaintext),
    displayPrefix: displayPrefix(plaintext),
    rateLimitPerMinute: input.rateLimitPerMinute ?? null,
    rateLimitBurst: input.rateLimitBurst ?? null,
    spendCap: input.spendCap ?? null,
    createdAt: ctx.now(),
    revokedAt: null,
  });
  return { record, plaintext };
}

/** Newest first, revoked keys included. */
export async function listApiKeys(ctx: ServiceContext, accountId: string, page: PageRequest): Promise<Page<ApiKeyRecord>> {
  const before = API_KEY_CURSOR.decode(page.cursor);
  await getAccount(ctx, accountId);
  const rows = await repo.listApiKeys(ctx.db, accountId, page.limit + 1, before);
  return pageOf(
    rows,
    page.limit,
    API_KEY_CURSOR,
    (r) => r.id,
    (r) => r,
  );
}

export async function getApiKey(ctx: ServiceContext, accountId: string, keyId: string): Promise<ApiKeyRecord> {
  const row = await repo.findApiKey(ctx.db, accountId, keyId);
  if (!row) throw new ApiError("API_KEY_NOT_FOUND", `No key ${keyId} on account ${accountId}.`);
  return row;
}

export async function updateApiKey(
  ctx: ServiceContext,
  accountId: string,
  keyId: string,
  patch: Omit<IssueKeyInput, "name"> & { name?: string },
): Promise<ApiKeyRecord> {
  // An empty patch changes nothing (and SQL has no empty SET): answer the key as it is.
  if (Object.values(patch).every((v) => v === undefined)) return getApiKey(ctx, accountId, keyId);
  const row = await repo.updateApiKey(ctx.db, accountId, keyId, patch);
  if (!row) throw new ApiError("API_KEY_NOT_FOUND", `No key ${keyId} on account ${accountId}.`);
  evictKeyFromAuthCache(row.keyHash);
  return row;
}

/** Idempotent: revoking a revoked key keeps its first revocation time. */
export async function revokeApiKey(ctx: ServiceContext, accountId: string, keyId: string): Promise<ApiKeyRecord> {
  const existing = await getApiKey(ctx, accountId, keyId);
  if (existing.revokedAt !== null) return existing;
  const row = await repo.updateApiKey(ctx.db, accountId, keyId, { revokedAt: ctx.now() });
  if (!row) throw new ApiError("API_KEY_NOT_FOUND", `No key ${keyId} on account ${accountId}.`);
  evictKeyFromAuthCache(row.keyHash);
  return row;
}

/**
 * Rolls a key: a new key with the same name and limits is issued (its plaintext returned here,
 * once), and the old key keeps working for `overlapSeconds` (0 = refused from now on), through
 * `expires_at`, which authentication honours. Only a live key that was not rolled yet can be
 * rolled (API_KEY_NOT_ROLLABLE otherwise), so a key has at most one successor. A per-key spend
 * cap counts the new key's own spending, from zero.
 */
export async function rollApiKey(
  ctx: ServiceContext,
  accountId: string,
  keyId: string,
  overlapSeconds: number = ROLL_OVERLAP_DEFAULT_SECONDS,
): Promise<{ record: ApiKeyRecord; plaintext: string; previous: ApiKeyRecord }> {
  const existing = await getApiKey(ctx, accountId, keyId);
  const now = ctx.now();
  const plaintext = generateApiKey();
  const fresh = { id: newId("apiKey", now), keyHash: await hashApiKey(plaintext), displayPrefix: displayPrefix(plaintext), createdAt: now };
  const rolled = await repo.rollApiKey(ctx.db, accountId, keyId, fresh, now + Math.max(0, overlapSeconds) * 1000);
  if (!rolled) {
    const why = existing.revokedAt !== null ? "revoked" : existing.expiresAt !== null && existing.expiresAt <= now ? "expired" : "already rolled";
    throw new ApiError("API_KEY_NOT_ROLLABLE", `The key ${keyId} is ${why}; only a live key that was not rolled yet can be rolled.`);
  }
  // This isolate forgets the old key's cached lookup now; others cache it no longer than its expiry.
  evictKeyFromAuthCache(rolled.previous.keyHash);
  return { record: rolled.created, plaintext, previous: rolled.previous };
}
