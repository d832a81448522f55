import type { MiddlewareHandler } from "hono";
import type { DashEnv } from "../env";

/**
 * No script, style, font or image from anywhere but this origin, no inline script, no framing.
 * `style-src 'self'` also refuses inline `style=` attributes: pages style through app.css only.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const HEADERS: Record<string, string> = {
  "content-security-policy": DASHBOARD_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "x-frame-options": "DENY",
  // Ignored over plain http (npm start); in a deployment, browsers stop trying http for a year.
  "strict-transport-security": "max-age=31536000",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
};

/** On every dashboard response, error pages included; pages are never cached (they show account data). */
export const securityHeaders: MiddlewareHandler<DashEnv> = async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(HEADERS)) c.res.headers.set(name, value);
  if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
};
