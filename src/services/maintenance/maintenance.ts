import { z } from "zod";
import type { AppConfig } from "../../config";
import type { ServiceContext } from "../../context";
import { getSetting, putSetting } from "../../db/repo/settings";
import { describeError, log } from "../../lib/logger";

/**
 * Maintenance mode: when on, every /tryon/v1 route answers 503
 * SERVICE_UNAVAILABLE with Retry-After (health and operator routes keep
 * working). On when MAINTENANCE_MODE is set in the environment, or when the
 * operator turned it on at run time (D1 `settings`, key "maintenance").
 * The setting is read through a per-isolate cache of CACHE_TTL_MS, so the
 * switch costs no D1 query per request and reaches every isolate within 10 s
 * (the isolate that served the PUT sees it at once).
 */
export const MAINTENANCE_SETTING = "maintenance";
export const CACHE_TTL_MS = 10_000;

export interface MaintenanceState {
  enabled: boolean;
  retryAfterSeconds: number;
  /** "environment" when MAINTENANCE_MODE forces it on, else "operator". */
  source: "environment" | "operator";
  updatedAt: number | null;
}

const Stored = z.object({ enabled: z.boolean(), retryAfterSeconds: z.number().int().min(1).max(86400).nullable().optional() });

interface Cached {
  enabled: boolean;
  retryAfterSeconds: number | null;
  updatedAt: number | null;
  fetchedAt: number;
}

let cached: Cached | null = null;

/** Tests and the PUT handler: forget the cached setting in this isolate. */
export function resetMaintenanceCache(): void {
  cached = null;
}

async function loadSetting(ctx: Pick<ServiceContext, "db" | "now">): Promise<Cached> {
  const now = ctx.now();
  const fresh = freshCopy(now);
  if (fresh) return fresh;
  try {
    const row = await getSetting(ctx.db, MAINTENANCE_SETTING);
    const parsed = row ? Stored.safeParse(JSON.parse(row.value)) : null;
    cached = {
      enabled: parsed?.success ? parsed.data.enabled : false,
      retryAfterSeconds: parsed?.success ? (parsed.data.retryAfterSeconds ?? null) : null,
      updatedAt: row?.updatedAt ?? null,
      fetchedAt: now,
    };
  } catch (err) {
    // D1 unreachable: keep the last known value (or "off") rather than failing every request.
    log("warn", "maintenance setting unreadable", { error: describeError(err) });
    cached = { enabled: cached?.enabled ?? false, retryAfterSeconds: cached?.retryAfterSeconds ?? null, updatedAt: cached?.updatedAt ?? null, fetchedAt: now };
  }
  return cached;
}

export async function getMaintenance(ctx: Pick<ServiceContext, "db" | "now" | "config">): Promise<MaintenanceState> {
  return combine(ctx.config, await loadSetting(ctx));
}

/**
 * The state when this isolate's copy of the setting is fresh, else undefined (then `getMaintenance`
 * reads it). For the gate in front of every integrator request: no await on the common path.
 */
export function knownMaintenance(ctx: Pick<ServiceContext, "now" | "config">): MaintenanceState | undefined {
  const fresh = freshCopy(ctx.now());
  return fresh ? combine(ctx.config, fresh) : undefined;
}

/** This isolate's copy of the setting while it is younger than CACHE_TTL_MS. */
function freshCopy(now: number): Cached | null {
  return cached && now - cached.fetchedAt < CACHE_TTL_MS ? cached : null;
}

function combine(cfg: AppConfig, s: Cached): MaintenanceState {
  if (cfg.MAINTENANCE_MODE) return { enabled: true, retryAfterSeconds: cfg.MAINTENANCE_RETRY_AFTER_SECONDS, source: "environment", updatedAt: null };
  return { enabled: s.enabled, retryAfterSeconds: s.retryAfterSeconds ?? cfg.MAINTENANCE_RETRY_AFTER_SECONDS, source: "operator", updatedAt: s.updatedAt };
}

export async function setMaintenance(
  ctx: ServiceContext,
  input: { enabled: boolean; retryAfterSeconds?: number | null | undefined },
): Promise<MaintenanceState> {
  const now = ctx.now();
  const value = { enabled: input.enabled, retryAfterSeconds: input.retryAfterSeconds ?? null };
  await putSetting(ctx.db, MAINTENANCE_SETTING, JSON.stringify(value), now);
  cached = { enabled: value.enabled, retryAfterSeconds: value.retryAfterSeconds, updatedAt: now, fetchedAt: now };
  log("warn", "maintenance mode changed", { requestId: ctx.requestId, enabled: input.enabled });
  return combine(ctx.config, cached);
}
