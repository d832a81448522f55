import type { AppConfig } from "./config";
import type { ServiceContext } from "./context";
import type { FormRead } from "./lib/multipart-form";
import type { AuthContext } from "./services/accounts";

/**
 * Secrets are not in wrangler.toml, so `wrangler types` cannot see them in CI;
 * they are declared here once (documented in .dev.vars.example).
 */
interface DrapeSecrets {
  /** Bearer token of the operator API (`/admin/v1`). Required; in a deployment at least 32 random characters. */
  ADMIN_TOKEN: string;
  /** HMAC key of signed file URLs; changing it invalidates the URLs handed out. Required; in a deployment at least 32 random characters. */
  FILE_SIGNING_SECRET: string;
  /** At-rest key (base64 of 32 random bytes): seals webhook secrets and stored idempotent responses. Required (or its former name). */
  AT_REST_KEY?: string;
  /** During a rotation: the previous keys, comma-separated, that still open values sealed before it (docs/deployment.md). */
  AT_REST_KEY_PREVIOUS?: string;
  /** Former name of `AT_REST_KEY`, still accepted; when both are set and differ, it counts as a previous key. */
  WEBHOOK_ENCRYPTION_KEY?: string;
  FASHN_API_KEY?: string;
  ENGINE_BY_CATEGORY?: string;
  FASHN_BASE_URL?: string;
  /** Profiling only: "true" adds a `Server-Timing` header with per-step timings (docs/performance.md). */
  DRAPE_STEP_TIMING?: string;
}

declare global {
  interface Env extends DrapeSecrets {}
  namespace Cloudflare {
    interface Env extends DrapeSecrets {}
  }
}

/** The (method, path pattern) of the endpoint that answers a request; `path` null when only middleware matched. */
export interface MatchedEndpoint {
  path: string | null;
  /** `METHOD /full/route/pattern`, as `apiRouteKey` spells it ("" path when none). */
  key: string;
}

export interface AppVariables {
  requestId: string;
  config: AppConfig;
  auth?: AuthContext;
  /** Set by auth so the request log line names the account. */
  accountId?: string;
  /** Fields the body schema ignored, reported in `x-ignored-fields`. */
  ignoredFields?: string[];
  /** The one read of a multipart body (src/http/request-body.ts). */
  formRead?: Promise<FormRead>;
  /** Most body bytes that read held at once, for the request log line. */
  bodyPeakBytes?: number;
  /** The request's service context, built once (src/http/context.ts). */
  serviceContext?: ServiceContext;
  /** The endpoint this request matched, found once (src/http/route-table.ts). */
  endpoint?: MatchedEndpoint;
}

export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}
