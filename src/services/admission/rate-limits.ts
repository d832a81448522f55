import { type AppConfig, effectiveBurst } from "../../config";
import type { RateLimitSpec } from "../../durable/account-gate";
import type { AuthContext } from "../accounts";

/**
 * The key's effective bucket. Rate: key override, else account override, else
 * RATE_LIMIT_PER_MINUTE (100). Burst (bucket capacity): key/account burst
 * override, else the same as the effective per-minute rate when that was
 * overridden, else RATE_LIMIT_BURST (0 = same as per-minute, so 100).
 */
export function rateLimitOf(auth: Pick<AuthContext, "keyId" | "rateLimitPerMinute" | "rateLimitBurst">, cfg: AppConfig): RateLimitSpec {
  const perMinute = auth.rateLimitPerMinute ?? cfg.RATE_LIMIT_PER_MINUTE;
  const burst = auth.rateLimitBurst ?? (auth.rateLimitPerMinute !== null ? auth.rateLimitPerMinute : effectiveBurst(cfg));
  return { keyId: auth.keyId, perMinute, burst };
}
