import type { z } from "@hono/zod-openapi";
import { liveAccountIdOf, modeOf } from "../../lib/modes";
import { toIso } from "../../lib/time";
import type { AccountSchema, ApiKeySchema } from "../../schemas/admin";
import { type Account, type ApiKeyRecord, logoOf } from "../../services/accounts";

export function presentAccount(a: Account): z.infer<typeof AccountSchema> {
  const logo = logoOf(a);
  return {
    id: a.id,
    name: a.name,
    status: a.status,
    engine: (a.engine as z.infer<typeof AccountSchema>["engine"]) ?? null,
    engines: (a.engines as z.infer<typeof AccountSchema>["engines"]) ?? (a.engine ? [a.engine as NonNullable<z.infer<typeof AccountSchema>["engine"]>] : null),
    enginesByCategory: (a.enginesByCategory as z.infer<typeof AccountSchema>["enginesByCategory"]) ?? null,
    rateLimitPerMinute: a.rateLimitPerMinute,
    rateLimitBurst: a.rateLimitBurst,
    spendCapPerDay: a.spendCapPerDay,
    retentionDays: a.retentionDays,
    logo: logo && { format: logo.format, width: logo.width, height: logo.height, updatedAt: toIso(logo.updatedAt) },
    createdAt: toIso(a.createdAt),
    updatedAt: toIso(a.updatedAt),
  };
}

export function presentApiKey(k: ApiKeyRecord): z.infer<typeof ApiKeySchema> {
  return {
    id: k.id,
    // A test key belongs to the account's test twin; the operator API only ever names the live account.
    accountId: liveAccountIdOf(k.accountId),
    name: k.name,
    displayPrefix: k.displayPrefix,
    mode: modeOf(k.accountId),
    rateLimitPerMinute: k.rateLimitPerMinute,
    rateLimitBurst: k.rateLimitBurst,
    spendCap: k.spendCap,
    createdAt: toIso(k.createdAt),
    revokedAt: toIso(k.revokedAt),
    expiresAt: toIso(k.expiresAt),
    lastUsedAt: toIso(k.lastUsedAt),
  };
}
