import type { ServiceContext } from "../../context";
import { findKeyWithAccountByHash, touchApiKeyLastUsed } from "../../db/repo/accounts";
import { ApiError } from "../../errors";
import { LruCache } from "../../lib/lru-cache";
import { livemodeOf } from "../../lib/modes";
import { hashApiKey, isWellFormedKey } from "./api-keys";

/** What an authenticated request knows about its caller. */
export interface AuthContext {
  /** The account partition the key belongs to: the live account, or its test twin for a `dr_test_` key. */
  accountId: string;
  /** False for a test key (docs/test-mode.md). */
  livemode: boolean;
  keyId: string;
  /** Effective limits: key override, else account override, else null (configuration default). */
  rateLimitPerMinute: number | null;
  rateLimitBurst: number | null;
  keySpendCap: number | null;
  accountSpendCapPerDay: number | null;
  engineOverride: string | null;
  /** The account's ordered engine list and per-category lists (null in test mode: test generations run mock). */
  engines?: string[] | null;
  enginesByCategory?: Record<string, string[]> | null;
  retentionDays: number;
}

/** How often a key's `last_used_at` is written at most (the dashboard shows it to the minute-ish). */
export const KEY_LAST_USED_EVERY_MS = 5 * 60_000;

/**
 * Per-isolate cache of key lookups. Entries live at most AUTH_CACHE_TTL_SECONDS
 * (≤ 30 s), which bounds how long a revoked key or disabled account can still
 * pass in an isolate that saw it. Unknown keys are cached briefly too, so a
 * flood of one bad key costs one query per window, not one per request.
 */
const cache = new LruCache<string, AuthContext | null>({ maxEntries: 10_000 });
const NEGATIVE_TTL_MS = 5_000;

export function clearAuthCache(): void {
  cache.clear();
}

/** Extracts the presented key from `x-api-key` or `Authorization: Bearer`. */
export function readPresentedKey(headers: Headers): string | null {
  const direct = headers.get("x-api-key");
  if (direct !== null && direct.trim() !== "") return direct.trim();
  const authz = headers.get("authorization");
  if (authz) {
    const m = /^Bearer\s+(.+)$/i.exec(authz.trim());
    if (m?.[1]) return m[1].trim();
  }
  return null;
}

/**
 * The caller a presented key belongs to. A key this isolate's cache knows (≤ 30 s, never past the
 * key's own expiry) is answered synchronously, so a hot key costs its request no await; any other is
 * looked up (a promise). A missing, malformed or (cached) unknown key throws synchronously; a key
 * found unknown by the lookup rejects.
 */
export function authenticate(ctx: ServiceContext, presented: string | null): AuthContext | Promise<AuthContext> {
  const hash = presentedKeyHash(presented);
  const now = ctx.now();
  const value = cache.get(hash, now);
  if (value === null) throw unknownKey();
  return value ?? lookupAndCache(ctx, hash, now);
}

async function lookupAndCache(ctx: ServiceContext, hash: string, now: number): Promise<AuthContext> {
  const found = await lookup(ctx, hash, now);
  const value = found?.auth ?? null;
  // A rolled key's cached entry never outlives the key's own expiry.
  const ttlMs = Math.min(ctx.config.AUTH_CACHE_TTL_SECONDS * 1000, value ? Infinity : NEGATIVE_TTL_MS, (found?.keyExpiresAt ?? Infinity) - now);
  if (ttlMs > 0) cache.set(hash, value, { at: now, ttlMs });
  if (!value) throw unknownKey();
  return value;
}

/** The hash a presented key is cached and stored under; MISSING_API_KEY or INVALID_API_KEY before any lookup. */
function presentedKeyHash(presented: string | null): string {
  if (presented === null) throw new ApiError("MISSING_API_KEY", "Send your API key in the x-api-key header or as Authorization: Bearer <key>.");
  if (!isWellFormedKey(presented)) throw new ApiError("INVALID_API_KEY", "The API key is malformed.");
  return hashApiKey(presented);
}

const unknownKey = () => new ApiError("INVALID_API_KEY", "The API key is unknown, revoked, or its account is disabled.");

/** The key's auth context, or null when it is unknown, revoked, expired (rolled) or its account disabled. */
async function lookup(ctx: ServiceContext, hash: string, now: number): Promise<{ auth: AuthContext; keyExpiresAt: number | null } | null> {
  const row = await findKeyWithAccountByHash(ctx.db, hash);
  if (!row || row.key.revokedAt !== null || (row.key.expiresAt !== null && row.key.expiresAt <= now) || row.account.status !== "active") return null;
  // Only on a cache miss, and at most every few minutes per key: a busy key is not a write per request.
  if (row.key.lastUsedAt === null || row.key.lastUsedAt < now - KEY_LAST_USED_EVERY_MS) {
    await touchApiKeyLastUsed(ctx.db, row.key.id, now, KEY_LAST_USED_EVERY_MS);
  }
  const livemode = livemodeOf(row.account.id);
  const auth: AuthContext = {
    accountId: row.account.id,
    livemode,
    keyId: row.key.id,
    rateLimitPerMinute: row.key.rateLimitPerMinute ?? row.account.rateLimitPerMinute,
    rateLimitBurst: row.key.rateLimitBurst ?? row.account.rateLimitBurst,
    // Test mode is free: no spend cap applies, and it always runs the mock engine.
    keySpendCap: livemode ? row.key.spendCap : null,
    accountSpendCapPerDay: livemode ? row.account.spendCapPerDay : null,
    engineOverride: livemode ? row.account.engine : "mock",
    engines: livemode ? row.account.engines : null,
    enginesByCategory: livemode ? row.account.enginesByCategory : null,
    retentionDays: row.account.retentionDays,
  };
  return { auth, keyExpiresAt: row.key.expiresAt };
}

/** Drops a key's cached lookup in this isolate (others expire within the TTL). */
export function evictKeyFromAuthCache(keyHash: string): void {
  cache.delete(keyHash);
}

/** Drops every cached key of an account in this isolate (after disabling it or changing limits). */
export function evictAccountFromAuthCache(accountId: string): void {
  cache.deleteWhere((value) => value?.accountId === accountId);
}
