import type { AppConfig } from "./config";
import type { FormRead } from "./lib/multipart-form";
import type { AuthContext } from "./services/accounts";

/**
 * Secrets are not in wrangler.toml, so `wrangler types` cannot see them in CI;
 * they are declared here once (documented in .dev.vars.example).
 */
interface DrapeSecrets {
  ADMIN_TOKEN: string;
  FILE_SIGNING_SECRET: string;
  /** At-rest key (base64 of 32 random bytes): seals webhook secrets and stored idempotent responses. */
  AT_REST_KEY?: string;
  /** Keys that still open values sealed before a rotation (comma-separated). */
  AT_REST_KEY_PREVIOUS?: string;
  /** Former name of AT_REST_KEY, still accepted (src/lib/at-rest-keys.ts). */
  WEBHOOK_ENCRYPTION_KEY?: string;
  FASHN_API_KEY?: string;
  ENGINE_BY_CATEGORY?: string;
  FASHN_BASE_URL?: string;
}

declare global {
  interface Env extends DrapeSecrets {}
  namespace Cloudflare {
    interface Env extends DrapeSecrets {}
  }
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
}

export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}
