import { z } from "zod";
import { DEFAULT_KEEP_FOR_DAYS, KEEP_FOR_DAYS_CHOICES, type KeepForDays } from "../lib/retention-days";
import { PricingOverrideSchema } from "./engine-pricing";

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

export const ENGINE_NAMES = ["mock", "composite", "fashn", "workers-ai"] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/**
 * Each field's `.describe()` is what the variable does; `npm run gen:docs` turns
 * the schema into the table in docs/configuration.md (name, default, allowed
 * values, description), so a new variable is documented by describing it here.
 */
export const ConfigSchema = z.object({
  ENVIRONMENT: z
    .string()
    .default("production")
    .describe(
      "`development` and `test` are local runs; any other value is a deployment, which answers 503 `SERVICE_MISCONFIGURED` until the deployment checks pass (docs/deployment.md).",
    ),
  ENGINE_DEFAULT: z
    .enum(ENGINE_NAMES)
    .default("composite")
    .describe("Engine used when neither the product title, the account nor `ENGINE_BY_CATEGORY` chooses one (docs/engines.md)."),
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
    })
    .describe('Maps a try-on `category` (`auto`, `tops`, `bottoms`, `one-pieces`) to an engine, e.g. `{"bottoms":"fashn"}`.'),
  // The local default is refused in a deployment (src/config/deployment-check.ts).
  PUBLIC_BASE_URL: z
    .string()
    .url()
    .default(LOCAL_BASE_URL)
    .transform((s) => new URL(s).origin)
    .describe(
      "Origin of the Worker for absolute URLs built outside a request (webhook payloads, engine inputs). Required in a deployment, as a public https origin; `npm start` sets it to the port it serves.",
    ),
  FASHN_BASE_URL: z.string().url().default("https://api.fashn.ai").describe("Origin of the FASHN API, for the `fashn` engine."),
  FASHN_API_KEY: z
    .string()
    .default("")
    .describe("API key of the `fashn` engine; set it as a secret. Without it, generations on `fashn` fail `ENGINE_UNAVAILABLE`."),
  WORKERS_AI_TIMEOUT_SECONDS: int(120, 5, 600).describe(
    "`workers-ai` engine: how long one Workers AI call may take before it is abandoned and retried (then `ENGINE_UNAVAILABLE`), so a hung call never holds the queue consumer.",
  ),
  ENGINE_PRICING: z
    .string()
    .default("{}")
    .transform((s, ctx) => {
      try {
        return PricingOverrideSchema.parse(JSON.parse(s));
      } catch {
        ctx.addIssue({ code: "custom", message: "ENGINE_PRICING must be a JSON object overriding fields of the built-in pricing table" });
        return z.NEVER;
      }
    })
    .describe(
      'Overrides of the upstream price table used to report each generation\'s engine cost (src/config/engine-pricing.ts: Workers AI tile prices per model, FASHN\'s USD per credit), merged field by field, e.g. `{"fashn":{"usdPerCredit":0.05}}` (docs/engines.md, Pricing).',
    ),
  ENGINE_BREAKER_THRESHOLD: int(5, 1, 1000).describe(
    "Consecutive outages of an engine (a call that answered transient trouble) that open its circuit breaker: the engine is then skipped fleet-wide for `ENGINE_BREAKER_COOLDOWN_SECONDS` (docs/engines.md).",
  ),
  ENGINE_BREAKER_COOLDOWN_SECONDS: int(60, 1, 86400).describe(
    "How long an open engine breaker skips its engine before one probe call is let through; the probe's success closes it.",
  ),
  // What one credit sells for, for margin reporting only (nothing is charged in dollars here). The default is the
  // list price of Drape's smallest credit pack as priced on 2026-11-01: USD 0.10 per credit; set it per deployment.
  CREDIT_PRICE_USD_MICROS: int(100_000, 0, 1_000_000_000).describe(
    "What one Drape credit sells for, in millionths of a US dollar (100000 = USD 0.10): the revenue side of the operator's cost and margin report (`GET /admin/v1/accounts/{id}/costs`).",
  ),
  COMPOSITE_MAX_INPUT_PIXELS: int(COMPOSITE_DEFAULT_MAX_INPUT_PIXELS, 250_000, 60_000_000).describe(
    "Composite engine: the largest photo, in pixels, it decodes as is; larger ones are downscaled by the Images binding first. The 64 MiB decode budget applies whatever this says (docs/engines.md).",
  ),
  ALLOW_LOOPBACK_FETCH: bool
    .default(false)
    .describe("Dev only: lets URL fetches and webhook deliveries reach `localhost` / `127.0.0.1` fixtures. A deployment with it on refuses to serve."),
  MAINTENANCE_MODE: bool
    .default(false)
    .describe("Answer every `/tryon/v1` request 503 `SERVICE_UNAVAILABLE`; when on, the operator switch (`PUT /admin/v1/maintenance`) cannot turn it off."),
  MAINTENANCE_RETRY_AFTER_SECONDS: int(120, 1, 86400).describe("`Retry-After` of maintenance 503s, unless the operator switch sets its own."),
  FILE_URL_TTL_SECONDS: int(3600, 60, 7 * 86400).describe("How long a signed file URL (`/tryon/v1/files/…`) stays valid."),
  GENERATION_DEADLINE_SECONDS: int(600, 30, 86400).describe(
    "A generation not finished this long after it was accepted fails `GENERATION_TIMEOUT` (its credit is refunded).",
  ),
  RATE_LIMIT_PER_MINUTE: int(100, 1, 100000).describe(
    "Default refill of each API key's token bucket, in requests per minute; per-key and per-account overrides win.",
  ),
  GATE_SHARDS: z
    .enum(["on", "off"])
    .default("off")
    .describe(
      "`on`: each live API key's requests are decided by its own KeyGate object, charging credits leased in blocks from the account's AccountGate, so one account scales with its keys past one object's ~1,000 req/s; Idempotency-Keys are then scoped per API key. `off`: one AccountGate per account decides everything (docs/scaling.md).",
    ),
  GENERATION_DELIVERY: z
    .enum(["request", "outbox"])
    .default("request")
    .describe(
      "How an accepted try-on reaches D1 and the generations queue. `request`: before its 202 (a storage failure after the credit is held answers 503 and refunds it). `outbox`: a try-on is recorded in the AccountGate (with its credit hold when its product and person photo are already stored, else in a second call after its writes), answered 202, and delivered after the answer in batches; a storage failure then delays the generation instead of refusing it. Key shards (`GATE_SHARDS=on`) deliver `request`-style (docs/architecture.md, record 15).",
    ),
  GENERATION_OUTBOX_GATHER_MS: int(50, 0, 1000).describe(
    "`GENERATION_DELIVERY=outbox`: how long the AccountGate gathers accepted try-ons before delivering them in one D1 batch and one queue `sendBatch`.",
  ),
  RATE_LIMIT_BURST: int(0, 0, 100000).describe("Default capacity of each API key's token bucket; 0 means the per-minute rate."),
  TEST_DAILY_CREDITS: int(1000, 0, 1_000_000).describe(
    "Test mode's free credits: each account's test ledger is topped up to this once per UTC day (docs/test-mode.md).",
  ),
  DEFAULT_RETENTION_DAYS: z.coerce
    .number()
    .pipe(z.union(KEEP_FOR_DAYS_CHOICES.map((d) => z.literal(d)) as [z.ZodLiteral<KeepForDays>, ...z.ZodLiteral<KeepForDays>[]]))
    .default(DEFAULT_KEEP_FOR_DAYS)
    .describe("`keepForDays` of person photos and results for accounts without a window of their own (given to new accounts)."),
  AUTH_CACHE_TTL_SECONDS: int(30, 0, 30).describe(
    "How long an isolate keeps an API-key lookup: a revoked key or a disabled account stops working everywhere within this time.",
  ),
  WEBHOOK_TIMEOUT_SECONDS: int(10, 1, 30).describe("Timeout of one webhook delivery attempt."),
  WEBHOOK_RETENTION_DAYS: int(30, 1, 365).describe("How long webhook deliveries and their attempts stay in the delivery log."),
  SIGNUP_MODE: z
    .enum(["open", "invite"])
    .default("open")
    .describe("Dashboard sign-up: `open` (anyone, with starting credits) or `invite` (only with an invite link)."),
  SIGNUP_FREE_CREDITS: int(10, 0, 1_000_000).describe("Credits an open sign-up's new account starts with, granted once."),
  EMAIL_SENDER: z
    .enum(["auto", "outbox", "cloudflare"])
    .default("auto")
    .describe(
      "Who delivers dashboard email: `outbox` (D1 + a log line, development only), `cloudflare` (the `EMAIL` send_email binding), or `auto`: the outbox locally, Cloudflare in a deployment.",
    ),
  EMAIL_FROM: z
    .union([z.literal(""), z.email()])
    .default("")
    .describe("Sender address of dashboard email (a domain onboarded to Cloudflare Email Service); required in a deployment."),
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

/** Which email sender this configuration uses (`auto`: the outbox locally, Cloudflare in a deployment). */
export function emailSenderKind(cfg: AppConfig): "outbox" | "cloudflare" {
  if (cfg.EMAIL_SENDER !== "auto") return cfg.EMAIL_SENDER;
  return LOCAL_ENVIRONMENTS.has(cfg.ENVIRONMENT.trim().toLowerCase()) ? "outbox" : "cloudflare";
}

/** ENVIRONMENT values that are not deployments: local `npm start` and the test suite. */
export const LOCAL_ENVIRONMENTS: ReadonlySet<string> = new Set(["development", "test"]);
