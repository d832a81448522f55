import type { ServiceContext } from "../../context";
import * as repo from "../../db/repo/accounts";
import { keyGate } from "../../durable/key-gate";
import { ApiError } from "../../errors";
import { newId } from "../../lib/ids";
import { describeError, log } from "../../lib/logger";
import { isTestAccountId, type Mode, modeOf, testAccountIdOf } from "../../lib/modes";
import { idCursor, type Page, type PageRequest, pageOf } from "../../lib/pagination";
import type { KeepForDays } from "../../lib/retention-days";
import { ROLL_OVERLAP_DEFAULT_SECONDS } from "../../schemas/admin";
import { movingCredits } from "../admission";
import { displayPrefix, generateApiKey, hashApiKey } from "./api-keys";
import { evictAccountFromAuthCache, evictKeyFromAuthCache } from "./auth";

export type Account = repo.AccountRow;
export type ApiKeyRecord = repo.ApiKeyRow;

export interface CreateAccountInput {
  name: string;
  engine?: string | null;
  /** Ordered engine list; `engine: "x"` is shorthand for `engines: ["x"]`, `engine: null` clears the list. */
  engines?: string[] | null;
  enginesByCategory?: Partial<Record<string, string[]>> | null;
  rateLimitPerMinute?: number | null;
  rateLimitBurst?: number | null;
  spendCapPerDay?: number | null;
  retentionDays?: KeepForDays;
}

/**
 * The stored form of an engine choice: `engines` wins; `engine` is its one-item shorthand. The
 * `engine` column mirrors the list's first item. Undefined fields are left as they are.
 */
function engineColumns(
  input: Pick<CreateAccountInput, "engine" | "engines" | "enginesByCategory">,
): Partial<Pick<Account, "engine" | "engines" | "enginesByCategory">> {
  if (input.engine !== undefined && input.engines !== undefined) {
    const same = input.engines === null ? input.engine === null : input.engines.length === 1 && input.engines[0] === input.engine;
    if (!same) {
      throw new ApiError("VALIDATION_FAILED", "Send `engine` (one engine) or `engines` (an ordered list), not both.", {
        details: [{ path: "engine", message: "conflicts with engines" }],
      });
    }
  }
  const out: Partial<Pick<Account, "engine" | "engines" | "enginesByCategory">> = {};
  const list = input.engines !== undefined ? input.engines : input.engine === undefined ? undefined : input.engine === null ? null : [input.engine];
  if (list !== undefined) {
    out.engines = list;
    out.engine = list?.[0] ?? null;
  }
  if (input.enginesByCategory !== undefined) {
    const entries = Object.entries(input.enginesByCategory ?? {}).flatMap(([k, v]) => (v ? [[k, v] as const] : []));
    out.enginesByCategory = entries.length > 0 ? Object.fromEntries(entries) : null;
  }
  return out;
}

/** Operator verb: a new active account with no keys and no credits. */
export async function createAccount(ctx: ServiceContext, input: CreateAccountInput): Promise<Account> {
  const now = ctx.now();
  const engines = engineColumns(input);
  return repo.insertAccount(ctx.db, {
    id: newId("account", now),
    name: input.name,
    status: "active",
    engine: engines.engine ?? null,
    engines: engines.engines ?? null,
    enginesByCategory: engines.enginesByCategory ?? null,
    rateLimitPerMinute: input.rateLimitPerMinute ?? null,
    rateLimitBurst: input.rateLimitBurst ?? null,
    spendCapPerDay: input.spendCapPerDay ?? null,
    retentionDays: input.retentionDays ?? ctx.config.DEFAULT_RETENTION_DAYS,
    createdAt: now,
    updatedAt: now,
  });
}

/** A live account, as the operator API and the dashboard address it: a test twin's id is not an account of its own. */
export async function getAccount(ctx: ServiceContext, accountId: string): Promise<Account> {
  const row = isTestAccountId(accountId) ? undefined : await repo.findAccount(ctx.db, accountId);
  if (!row) throw new ApiError("ACCOUNT_NOT_FOUND", `No account ${accountId}.`);
  return row;
}

/** The account row behind an authenticated key (live or test twin), e.g. for GET /account. */
export async function getOwnAccount(ctx: ServiceContext, accountId: string): Promise<Account> {
  const row = await repo.findAccount(ctx.db, accountId);
  if (!row) throw new ApiError("ACCOUNT_NOT_FOUND", `No account ${accountId}.`);
  return row;
}

/**
 * The id of the account's `mode` partition: the account itself for live, its
 * test twin for test (created now if it does not exist yet, idempotently).
 * The dashboard's test-mode switch uses this to show test data.
 */
export async function accountIdForMode(ctx: ServiceContext, accountId: string, mode: Mode): Promise<string> {
  const live = await getAccount(ctx, accountId);
  if (mode === "live") return live.id;
  const twinId = testAccountIdOf(live.id);
  const now = ctx.now();
  // The twin follows the live account's name, status, rate limits and retention (updateAccount mirrors them);
  // it has no spend cap and no engine override: test generations always run the mock engine.
  await repo.insertAccountIfAbsent(ctx.db, {
    id: twinId,
    name: live.name,
    status: live.status,
    engine: null,
    rateLimitPerMinute: live.rateLimitPerMinute,
    rateLimitBurst: live.rateLimitBurst,
    spendCapPerDay: null,
    retentionDays: live.retentionDays,
    createdAt: now,
    updatedAt: now,
  });
  return twinId;
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
  if (isTestAccountId(accountId)) throw new ApiError("ACCOUNT_NOT_FOUND", `No account ${accountId}.`);
  const updatedAt = ctx.now();
  // What follows the live account into its test twin: disabling an account disables its test keys too.
  const mirrored = {
    name: patch.name,
    status: patch.status,
    rateLimitPerMinute: patch.rateLimitPerMinute,
    rateLimitBurst: patch.rateLimitBurst,
    retentionDays: patch.retentionDays,
  };
  const mirroredSet = Object.values(mirrored).some((v) => v !== undefined) ? { ...mirrored, updatedAt } : {};
  const { engine: _engine, engines: _engines, enginesByCategory: _byCategory, ...rest } = patch;
  const set = { ...rest, ...engineColumns(patch), updatedAt };
  const row = await repo.updateAccountAndTwin(ctx.db, accountId, set, testAccountIdOf(accountId), mirroredSet);
  if (!row) throw new ApiError("ACCOUNT_NOT_FOUND", `No account ${accountId}.`);
  evictAccountFromAuthCache(accountId);
  evictAccountFromAuthCache(testAccountIdOf(accountId));
  return row;
}

export interface IssueKeyInput {
  name: string;
  /** live (default) or test: a test key belongs to the account's test twin (docs/test-mode.md). */
  mode?: Mode;
  rateLimitPerMinute?: number | null;
  rateLimitBurst?: number | null;
  spendCap?: number | null;
}

/** Issues a key; the plaintext is returned here once and never stored. */
export async function issueApiKey(ctx: ServiceContext, accountId: string, input: IssueKeyInput): Promise<{ record: ApiKeyRecord; plaintext: string }> {
  const mode = input.mode ?? "live";
  const owner = await accountIdForMode(ctx, accountId, mode);
  const plaintext = generateApiKey(mode);
  const record = await repo.insertApiKey(ctx.db, {
    id: newId("apiKey", ctx.now()),
    accountId: owner,
    name: input.name,
    keyHash: hashApiKey(plaintext),
    displayPrefix: displayPrefix(plaintext),
    rateLimitPerMinute: input.rateLimitPerMinute ?? null,
    rateLimitBurst: input.rateLimitBurst ?? null,
    spendCap: input.spendCap ?? null,
    createdAt: ctx.now(),
    revokedAt: null,
  });
  return { record, plaintext };
}

/** The service the dashboard and the operator API use to issue a key of either mode (the same as issueApiKey). */
export const createKeyForAccount = issueApiKey;

/** An account's own id and its test twin's: its keys live under either. */
function keyOwners(accountId: string): string[] {
  return [accountId, testAccountIdOf(accountId)];
}

/** Newest first, revoked keys included; live and test keys together (each says its mode). */
export async function listApiKeys(ctx: ServiceContext, accountId: string, page: PageRequest): Promise<Page<ApiKeyRecord>> {
  const before = API_KEY_CURSOR.decode(page.cursor);
  await getAccount(ctx, accountId);
  const rows = await repo.listApiKeys(ctx.db, keyOwners(accountId), page.limit + 1, before);
  return pageOf(
    rows,
    page.limit,
    API_KEY_CURSOR,
    (r) => r.id,
    (r) => r,
  );
}

export async function getApiKey(ctx: ServiceContext, accountId: string, keyId: string): Promise<ApiKeyRecord> {
  const row = isTestAccountId(accountId) ? undefined : await repo.findApiKey(ctx.db, keyOwners(accountId), keyId);
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
  if (isTestAccountId(accountId)) throw new ApiError("API_KEY_NOT_FOUND", `No key ${keyId} on account ${accountId}.`);
  const row = await repo.updateApiKey(ctx.db, keyOwners(accountId), keyId, patch);
  if (!row) throw new ApiError("API_KEY_NOT_FOUND", `No key ${keyId} on account ${accountId}.`);
  evictKeyFromAuthCache(row.keyHash);
  return row;
}

/**
 * A revoked key's shard (GATE_SHARDS, docs/scaling.md) gives its unused
 * credits back to the account now rather than when it next goes idle. Never
 * fails the revocation: the shard's idle alarm returns them within minutes.
 */
async function releaseKeyShard(ctx: ServiceContext, accountId: string, keyId: string): Promise<void> {
  if (ctx.config.GATE_SHARDS !== "on") return;
  try {
    const ref = { accountId, keyId };
    // The returned credits change the account's balance.
    await movingCredits(accountId, () => keyGate(ctx.env, ref).release(ref, "API key revoked"));
  } catch (err) {
    log("warn", "revoked key's shard could not return its credits yet", { accountId, keyId, error: describeError(err) });
  }
}

/** Idempotent: revoking a revoked key keeps its first revocation time. */
export async function revokeApiKey(ctx: ServiceContext, accountId: string, keyId: string): Promise<ApiKeyRecord> {
  const existing = await getApiKey(ctx, accountId, keyId);
  if (existing.revokedAt !== null) return existing;
  const row = await repo.updateApiKey(ctx.db, keyOwners(accountId), keyId, { revokedAt: ctx.now() });
  if (!row) throw new ApiError("API_KEY_NOT_FOUND", `No key ${keyId} on account ${accountId}.`);
  evictKeyFromAuthCache(row.keyHash);
  await releaseKeyShard(ctx, row.accountId, keyId);
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
  // A test key lives on the account's test twin: its successor stays there, with a test key.
  const plaintext = generateApiKey(modeOf(existing.accountId));
  const fresh = { id: newId("apiKey", now), keyHash: hashApiKey(plaintext), displayPrefix: displayPrefix(plaintext), createdAt: now };
  const rolled = await repo.rollApiKey(ctx.db, existing.accountId, keyId, fresh, now + Math.max(0, overlapSeconds) * 1000);
  if (!rolled) {
    const why = existing.revokedAt !== null ? "revoked" : existing.expiresAt !== null && existing.expiresAt <= now ? "expired" : "already rolled";
    throw new ApiError("API_KEY_NOT_ROLLABLE", `The key ${keyId} is ${why}; only a live key that was not rolled yet can be rolled.`);
  }
  // This isolate forgets the old key's cached lookup now; others cache it no longer than its expiry.
  evictKeyFromAuthCache(rolled.previous.keyHash);
  return { record: rolled.created, plaintext, previous: rolled.previous };
}
