import type { ServiceContext } from "../../context";
import { signInGate } from "../../durable/sign-in-gate";
import { sha256Hex } from "../../lib/crypto";
import { HOUR, MINUTE } from "../../lib/time";

/**
 * Throttling of what an attacker would repeat: password guesses, emails sent, sign-ups. Each
 * counts against the email (hashed, whether or not it has an account, so the answer is the same
 * for both) and against the client address (an IPv6 client by its /64, which one machine
 * usually holds whole). Limits per 15 minutes unless noted; a successful sign-in does not count.
 */
export const THROTTLE = {
  signInPerEmail: { action: "sign-in", limit: 5, windowMs: 15 * MINUTE },
  signInPerIp: { action: "sign-in", limit: 30, windowMs: 15 * MINUTE },
  emailPerEmail: { action: "email", limit: 3, windowMs: 15 * MINUTE },
  emailPerIp: { action: "email", limit: 20, windowMs: 15 * MINUTE },
  signUpPerIp: { action: "sign-up", limit: 20, windowMs: HOUR },
  /** Passkey sign-in ceremonies started (each stores a challenge): generous, but not unbounded. */
  passkeyOptionsPerIp: { action: "passkey-options", limit: 60, windowMs: 15 * MINUTE },
  /** The operator console's ADMIN_TOKEN sign-in: a handful of tries per address. */
  operatorSignInPerIp: { action: "operator-sign-in", limit: 5, windowMs: 15 * MINUTE },
} as const;

export interface Throttled {
  retryAfterSeconds: number;
}

type Rule = (typeof THROTTLE)[keyof typeof THROTTLE];

function emailSubject(email: string): string {
  return `email:${sha256Hex(email)}`;
}

/** The client address as throttled: IPv4 as is, IPv6 by its /64 (one machine usually holds a whole /64). */
export function ipSubject(ip: string | null): string {
  const addr = (ip ?? "").trim().toLowerCase();
  if (!addr) return "ip:unknown";
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(addr);
  if (v4) return `ip:${v4[1]}`; // IPv4, or IPv4-mapped IPv6
  return `ip6:${ipv6Prefix64(addr)}`;
}

function ipv6Prefix64(addr: string): string {
  const [head = "", tail] = addr.split("::", 2);
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t];
  return groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(":");
}

const at = (ctx: ServiceContext, rule: Rule) => ({ ...rule, at: ctx.now() });

/**
 * Counts one attempt against the email and the address together. When one refuses and the other
 * had room, the other forgets this attempt again: a refused attempt is counted nowhere.
 */
async function takeBoth(ctx: ServiceContext, email: string, ip: string | null, perEmail: Rule, perIp: Rule): Promise<Throttled | null> {
  const byEmail = signInGate(ctx.env, emailSubject(email));
  const byIp = signInGate(ctx.env, ipSubject(ip));
  const [e, i] = await Promise.all([byEmail.hit(at(ctx, perEmail)), byIp.hit(at(ctx, perIp))]);
  if (e.allowed && i.allowed) return null;
  if (e.allowed) await byEmail.forgetOne(perEmail.action);
  if (i.allowed) await byIp.forgetOne(perIp.action);
  return { retryAfterSeconds: Math.max(e.retryAfterSeconds, i.retryAfterSeconds) };
}

/**
 * Counts a sign-in attempt BEFORE the password is checked, so parallel guesses cannot all pass a
 * check made before any of them was recorded: of N simultaneous attempts, at most the limit get
 * to try a password.
 */
export function takeSignInAttempt(ctx: ServiceContext, email: string, ip: string | null): Promise<Throttled | null> {
  return takeBoth(ctx, email, ip, THROTTLE.signInPerEmail, THROTTLE.signInPerIp);
}

/** A successful sign-in forgets the email's attempts, and its own attempt at the address. */
export async function signInSucceeded(ctx: ServiceContext, email: string, ip: string | null): Promise<void> {
  await Promise.all([
    signInGate(ctx.env, emailSubject(email)).clear(THROTTLE.signInPerEmail.action),
    signInGate(ctx.env, ipSubject(ip)).forgetOne(THROTTLE.signInPerIp.action),
  ]);
}

/** Counts one email sent on request (reset, verification resend); refused past either limit. */
export function takeEmailSend(ctx: ServiceContext, email: string, ip: string | null): Promise<Throttled | null> {
  return takeBoth(ctx, email, ip, THROTTLE.emailPerEmail, THROTTLE.emailPerIp);
}

export function takeSignUp(ctx: ServiceContext, ip: string | null): Promise<Throttled | null> {
  return takeIp(ctx, ip, THROTTLE.signUpPerIp);
}

async function takeIp(ctx: ServiceContext, ip: string | null, rule: Rule): Promise<Throttled | null> {
  const state = await signInGate(ctx.env, ipSubject(ip)).hit(at(ctx, rule));
  return state.allowed ? null : { retryAfterSeconds: state.retryAfterSeconds };
}

/** Counts a passkey sign-in ceremony started from this address. */
export function takePasskeyOptions(ctx: ServiceContext, ip: string | null): Promise<Throttled | null> {
  return takeIp(ctx, ip, THROTTLE.passkeyOptionsPerIp);
}

/** Counts an ADMIN_TOKEN sign-in attempt, before the token is compared; a success takes it back. */
export function takeOperatorSignIn(ctx: ServiceContext, ip: string | null): Promise<Throttled | null> {
  return takeIp(ctx, ip, THROTTLE.operatorSignInPerIp);
}

export async function operatorSignInSucceeded(ctx: ServiceContext, ip: string | null): Promise<void> {
  await signInGate(ctx.env, ipSubject(ip)).forgetOne(THROTTLE.operatorSignInPerIp.action);
}
