import type { ServiceContext } from "../../context";
import { ApiError } from "../../errors";
import { checkUrlSafety, isLoopbackHost } from "../../lib/safe-fetch";

/** Where webhooks may go: the rule checked when a URL is given and again before every attempt. */

/**
 * Throws VALIDATION_FAILED (at `path`) unless `url` may receive webhooks:
 * https only, no IP literals in private/loopback/link-local/CGNAT ranges, no
 * localhost/.local/.internal. The dev flag ALLOW_LOOPBACK_FETCH lets
 * http://localhost and 127.0.0.1 through. Returns the normalised URL.
 */
export function validateWebhookUrl(ctx: ServiceContext, url: string, path = "webhookUrl"): string {
  const verdict = webhookUrlVerdict(ctx, url);
  if (!verdict.ok) {
    throw new ApiError("VALIDATION_FAILED", `The webhook URL is not allowed: ${verdict.reason}`, {
      details: [{ path, message: verdict.reason }],
    });
  }
  return verdict.url;
}

/** The same rule as `validateWebhookUrl`, as a value (the consumer re-checks before every attempt). */
export function webhookUrlVerdict(ctx: ServiceContext, url: string): { ok: true; url: string } | { ok: false; reason: string } {
  const allowLoopback = ctx.config.ALLOW_LOOPBACK_FETCH;
  const verdict = checkUrlSafety(url, { allowLoopback, allowedSchemes: ["https:"] });
  if (verdict.ok) return { ok: true, url: verdict.url.href };
  if (allowLoopback) {
    // Dev flag: a local receiver may speak plain http, and only a local one.
    const lax = checkUrlSafety(url, { allowLoopback: true, allowedSchemes: ["http:", "https:"] });
    if (lax.ok && isLoopbackHost(lax.url.hostname)) return { ok: true, url: lax.url.href };
  }
  return { ok: false, reason: verdict.reason };
}
