import type { AppConfig } from "../config";
import type { Db } from "../db/client";
import type { AdmissionScope } from "../services/admission";

/**
 * What every service verb receives: bindings, parsed config, a drizzle handle
 * (passed through to repos only), the request id for logs, and a clock that
 * tests can move.
 */
export interface ServiceContext {
  env: Env;
  config: AppConfig;
  db: Db;
  requestId: string;
  now: () => number;
  /** Origin used to make absolute URLs (the request's origin, or PUBLIC_BASE_URL off-request). */
  baseUrl: string;
  /**
   * The admission of the integrator request this context serves, once admitted (its key's bucket,
   * a rate-limit count still owed, the credit figures it fetched, the Idempotency-Key it owns);
   * absent off-request and on other routes.
   */
  admission?: AdmissionScope;
}
