import { effectiveBurst } from "../../config";
import type { ServiceContext } from "../../context";
import { ApiError } from "../../errors";
import { type Mode, modeOf } from "../../lib/modes";
import type { Page, PageRequest } from "../../lib/pagination";
import { type ApiKeyRecord, getAccount, getApiKey, type IssueKeyInput, issueApiKey, listApiKeys, revokeApiKey, rollApiKey } from "../accounts";
import { can } from "./roles";
import type { SignedIn } from "./sessions";

/**
 * API keys as a dashboard member manages them: the operator API's own service verbs
 * (src/services/accounts), behind the member's rules: a role with the `keys` permission, a
 * verified email before a key is created, and per-key limits within the account's.
 */
export type KeyRefusal =
  | { ok: false; reason: "no-account" | "forbidden" | "email-not-verified" }
  | { ok: false; reason: "invalid"; fields: Record<string, string> };

function memberRefusal(member: SignedIn): KeyRefusal | null {
  if (!member.current) return { ok: false, reason: "no-account" };
  if (!can(member.current.role, "keys")) return { ok: false, reason: "forbidden" };
  return null;
}

/**
 * The current account's keys of `mode` (the operator API's list, which holds both modes), empty
 * for a member without the `keys` permission. The dashboard shows one mode at a time.
 */
export async function listMemberKeys(
  ctx: ServiceContext,
  member: SignedIn,
  mode: Mode = "live",
  page: PageRequest = { limit: 200 },
): Promise<Page<ApiKeyRecord>> {
  if (!member.current || !can(member.current.role, "keys")) return { items: [], nextCursor: null, hasMore: false, count: 0 };
  const all = await listApiKeys(ctx, member.current.accountId, page);
  const items = all.items.filter((k) => modeOf(k.accountId) === mode);
  return { ...all, items, count: items.length };
}

/** One key of `mode` of the member's current account (API_KEY_NOT_FOUND for any other account's key, or the other mode's). */
export async function getMemberKey(
  ctx: ServiceContext,
  member: SignedIn,
  keyId: string,
  mode: Mode = "live",
): Promise<{ ok: true; record: ApiKeyRecord } | KeyRefusal> {
  const refused = memberRefusal(member);
  if (refused || !member.current) return refused ?? { ok: false, reason: "no-account" };
  const record = await getApiKey(ctx, member.current.accountId, keyId);
  if (modeOf(record.accountId) !== mode) throw new ApiError("API_KEY_NOT_FOUND", `No key ${keyId} on account ${member.current.accountId}.`);
  return { ok: true, record };
}

/** Rate limits above the account's effective ones (account override, else configuration) are refused. */
async function limitProblems(ctx: ServiceContext, accountId: string, input: IssueKeyInput): Promise<Record<string, string>> {
  const account = await getAccount(ctx, accountId);
  const perMinute = account.rateLimitPerMinute ?? ctx.config.RATE_LIMIT_PER_MINUTE;
  const burst = account.rateLimitBurst ?? effectiveBurst(ctx.config);
  const fields: Record<string, string> = {};
  if (input.rateLimitPerMinute != null && input.rateLimitPerMinute > perMinute) fields.rateLimitPerMinute = `At most ${perMinute} (this account's limit).`;
  if (input.rateLimitBurst != null && input.rateLimitBurst > burst) fields.rateLimitBurst = `At most ${burst} (this account's limit).`;
  return fields;
}

export async function createMemberKey(
  ctx: ServiceContext,
  member: SignedIn,
  input: IssueKeyInput,
): Promise<{ ok: true; record: ApiKeyRecord; plaintext: string } | KeyRefusal> {
  const refused = memberRefusal(member);
  if (refused || !member.current) return refused ?? { ok: false, reason: "no-account" };
  if (member.user.emailVerifiedAt === null) return { ok: false, reason: "email-not-verified" };
  const fields = await limitProblems(ctx, member.current.accountId, input);
  if (Object.keys(fields).length > 0) return { ok: false, reason: "invalid", fields };
  const { record, plaintext } = await issueApiKey(ctx, member.current.accountId, input);
  return { ok: true, record, plaintext };
}

/** Revokes a key of `mode` of the member's current account (API_KEY_NOT_FOUND for any other account's key). */
export async function revokeMemberKey(
  ctx: ServiceContext,
  member: SignedIn,
  keyId: string,
  mode: Mode = "live",
): Promise<{ ok: true; record: ApiKeyRecord } | KeyRefusal> {
  const found = await getMemberKey(ctx, member, keyId, mode);
  if (!found.ok || !member.current) return found.ok ? { ok: false, reason: "no-account" } : found;
  return { ok: true, record: await revokeApiKey(ctx, member.current.accountId, keyId) };
}

/**
 * Rolls a key of the member's current account (the operator API's own verb): a new key with the
 * same name and limits, the old one valid for `overlapSeconds`. Like creating a key, it needs a
 * verified email.
 */
export async function rollMemberKey(
  ctx: ServiceContext,
  member: SignedIn,
  keyId: string,
  overlapSeconds: number,
  mode: Mode = "live",
): Promise<{ ok: true; record: ApiKeyRecord; plaintext: string; previous: ApiKeyRecord } | KeyRefusal> {
  const found = await getMemberKey(ctx, member, keyId, mode);
  if (!found.ok || !member.current) return found.ok ? { ok: false, reason: "no-account" } : found;
  if (member.user.emailVerifiedAt === null) return { ok: false, reason: "email-not-verified" };
  return { ok: true, ...(await rollApiKey(ctx, member.current.accountId, keyId, overlapSeconds)) };
}
