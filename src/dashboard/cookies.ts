import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { base64UrlDecode, base64UrlEncode } from "../lib/base64";
import { OPERATOR_SESSION_MS, SESSION_ABSOLUTE_MS } from "../services/users";
import type { DashEnv, Flash } from "./env";

/**
 * The dashboard's cookies. `__Host-` names force Secure, Path=/ and no Domain, so no other host
 * (a sibling subdomain) can set or read them. Browsers treat http://localhost and 127.0.0.1 as
 * secure, so they work under `npm start` too.
 */
export const SESSION_COOKIE = "__Host-drape_session";
export const CSRF_COOKIE = "__Host-drape_csrf";
/** The operator console's ADMIN_TOKEN session (no user behind it), apart from any user session. */
export const OPERATOR_COOKIE = "__Host-drape_operator";
export const FLASH_COOKIE = "__Host-drape_flash";
/** The test-mode switch: `test.<session id>`, so it only ever applies to the session that turned it on. */
export const MODE_COOKIE = "__Host-drape_mode";

const base = { path: "/", secure: true, httpOnly: true, sameSite: "Lax" } as const;

export function readSessionCookie(c: Context<DashEnv>): string | null {
  const v = getCookie(c, SESSION_COOKIE);
  return v && v.length <= 100 ? v : null;
}

export function setSessionCookie(c: Context<DashEnv>, token: string): void {
  setCookie(c, SESSION_COOKIE, token, { ...base, maxAge: Math.floor(SESSION_ABSOLUTE_MS / 1000) });
}

export function clearSessionCookie(c: Context<DashEnv>): void {
  deleteCookie(c, SESSION_COOKIE, base);
}

export function readOperatorCookie(c: Context<DashEnv>): string | null {
  const v = getCookie(c, OPERATOR_COOKIE);
  return v && v.length <= 100 ? v : null;
}

export function setOperatorCookie(c: Context<DashEnv>, token: string): void {
  setCookie(c, OPERATOR_COOKIE, token, { ...base, maxAge: Math.floor(OPERATOR_SESSION_MS / 1000) });
}

export function clearOperatorCookie(c: Context<DashEnv>): void {
  deleteCookie(c, OPERATOR_COOKIE, base);
}

/** The pre-session CSRF token (sign-in and sign-up forms): minted once, kept for a day. */
export function readCsrfCookie(c: Context<DashEnv>): string | null {
  const v = getCookie(c, CSRF_COOKIE);
  return v && /^[A-Za-z0-9_-]{43}$/.test(v) ? v : null;
}

export function mintCsrfCookie(c: Context<DashEnv>): string {
  const token = base64UrlEncode(crypto.getRandomValues(new Uint8Array(32)));
  setCookie(c, CSRF_COOKIE, token, { ...base, maxAge: 86_400 });
  return token;
}

/** A message for the next page (set before a redirect). */
export function setFlash(c: Context<DashEnv>, flash: Flash): void {
  setCookie(c, FLASH_COOKIE, base64UrlEncode(new TextEncoder().encode(JSON.stringify(flash))), { ...base, maxAge: 60 });
}

/** Reads and clears the flash message; anything malformed is dropped. */
export function takeFlash(c: Context<DashEnv>): Flash | null {
  const raw = getCookie(c, FLASH_COOKIE);
  if (!raw) return null;
  deleteCookie(c, FLASH_COOKIE, base);
  try {
    const parsed = JSON.parse(new TextDecoder().decode(base64UrlDecode(raw))) as Partial<Flash>;
    const kinds = ["success", "error", "info"];
    if (typeof parsed.text !== "string" || !kinds.includes(String(parsed.kind))) return null;
    return { kind: parsed.kind as Flash["kind"], text: parsed.text.slice(0, 500) };
  } catch {
    return null;
  }
}

/** True when the mode cookie turns test mode on for this very session (a cookie of another session is ignored). */
export function readTestModeCookie(c: Context<DashEnv>, sessionId: string): boolean {
  return getCookie(c, MODE_COOKIE) === `test.${sessionId}`;
}

export function setTestModeCookie(c: Context<DashEnv>, sessionId: string): void {
  setCookie(c, MODE_COOKIE, `test.${sessionId}`, { ...base, maxAge: Math.floor(SESSION_ABSOLUTE_MS / 1000) });
}

export function clearTestModeCookie(c: Context<DashEnv>): void {
  deleteCookie(c, MODE_COOKIE, base);
}
