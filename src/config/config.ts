import { z } from "zod";
import { DEFAULT_KEEP_FOR_DAYS, isKeepForDays, KEEP_FOR_DAYS_CHOICES, type KeepForDays } from "../lib/retention-days";

/**
 * Every tunable default lives here, read from Worker vars once per `env`
 * object. Vars are strings (wrangler.toml `[vars]`, `.dev.vars`, or secrets);
 * an absent var takes the default below.
 */
const bool = z.enum(["true", "false", "1", "0", ""]).transform((v) => v === "true" || v === "1");
const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

export const LOCAL_BASE_URL = "http://localhost:8787";

/** Composite engine: default decoded-pixel cap (8 MP: 3264×2448 fits, a 12 MP phone photo does not). */
export const COMPOSITE_DEFAULT_MAX_INPUT_PIXELS = 8_000_000;

export const ENGINE_NAMES = ["mock", "composite", "fashn"] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

const ConfigSchema = z.object({
  ENVIRONMENT: z.string().default("production"),
  /** Engine used when neither the account nor the category map chooses one. */
  ENGINE_DEFAULT: z.enum(ENGINE_NAMES).default("composite"),
  /** JSON map category → engine, e.g. {"bottoms":"fashn"}. */
  ENGINE_BY_CATEGORY: z
    .string()
    .default("{}")
    .transform((s, ctx) => {
      try {
        return z.record(z.string(), z.enum(ENGINE_NAMES)).parse(JSON.parse(s));
      } catch {
        ctx.addIssue({ code: "custom", message: "ENGINE_BY_CATEGORY must be a JSON object of category → engine" });
        return z.NEVER;
      }
    }),
  /**
   * Origin for absolute URLs built outside a request (webhook payloads, engine
   * input URLs). The local default is refused in a deployment (src/config/deployment-check.ts).
   */
  PUBLIC_BASE_URL: z
    .string()
    .url()
    .default(LOCAL_BASE_URL)
    .transform((s) => new URL(s).origin),
  FASHN_BASE_URL: z.string().url().default("https://api.fashn.ai"),
  FASHN_API_KEY: z.string().default(""),
  /** Composite engine: largest input it decodes as is (pixels, and never past the 64 MiB decode budget); bigger ones are downscaled by the Images binding first (docs/engines.md). */
  COMPOSITE_MAX_INPUT_PIXELS: int(COMPOSITE_DEFAULT_MAX_INPUT_PIXELS, 250_000, 60_000_000),
  /** Dev only: lets safe-fetch and webhook URLs reach loopback fixtures. Never set in production. */
  ALLOW_LOOPBACK_FETCH: bool.default(false),
  MAINTENANCE_MODE: bool.default(false),
  MAINTENANCE_RETRY_AFTER_SECONDS: int(120, 1, 86400),
  FILE_URL_TTL_SECONDS: int(3600, 60, 7 * 86400),
  GENERATION_DEADLINE_SECONDS: int(600, 30, 86400),
  RATE_LIMIT_PER_MINUTE: int(100, 1, 100000),
  RATE_LIMIT_BURST: int(0, 0, 100000),
  DEFAULT_RETENTION_DAYS: z.coerce
    .number()
    .pipe(z.custom<KeepForDays>(isKeepForDays, `must be one of ${KEEP_FOR_DAYS_CHOICES.join(", ")}`))
    .default(DEFAULT_KEEP_FOR_DAYS),
  AUTH_CACHE_TTL_SECONDS: int(30, 0, 30),
  /** Webhooks: per-attempt timeout, and how long delivery logs (with attempts) are kept. */
  WEBHOOK_TIMEOUT_SECONDS: int(10, 1, 30),
  WEBHOOK_RETENTION_DAYS: int(30, 1, 365),
});

export type AppConfig = z.infer<typeof ConfigSchema>;

export type ConfigResult = { ok: true; config: AppConfig } | { ok: false; issues: Array<{ name: string; problem: string }> };

const cache = new WeakMap<object, ConfigResult>();

/** The vars of `env` parsed once per env object (not per request); issues name the var, never its value. */
export function parseConfig(env: Env): ConfigResult {
  let result = cache.get(env);
  if (!result) {
    const source = env as unknown as Record<string, unknown>;
    const raw: Record<string, unknown> = {};
    for (const key of Object.keys(ConfigSchema.shape)) {
      const v = source[key];
      if (typeof v === "string" && v !== "") raw[key] = v;
    }
    const parsed = ConfigSchema.safeParse(raw);
    result = parsed.success
      ? { ok: true, config: parsed.data }
      : { ok: false, issues: parsed.error.issues.map((i) => ({ name: String(i.path[0] ?? "config"), problem: i.message })) };
    cache.set(env, result);
  }
  return result;
}

/** Parsed configuration for this `env`. Throws on invalid vars; the deployment check refuses to serve before that. */
export function getConfig(env: Env): AppConfig {
  const result = parseConfig(env);
  if (!result.ok) throw new Error(`invalid configuration: ${result.issues.map((i) => i.name).join(", ")}`);
  return result.config;
}

/** Effective burst: 0 means "same as the per-minute rate". */
export function effectiveBurst(cfg: AppConfig): number {
  return cfg.RATE_LIMIT_BURST > 0 ? cfg.RATE_LIMIT_BURST : cfg.RATE_LIMIT_PER_MINUTE;
}
