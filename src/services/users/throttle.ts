import type { ServiceContext } from "../../context";
import { signInGate, type ThrottleState } from "../../durable/sign-in-gate";
import { sha256Hex } from "../../lib/crypto";
import { HOUR, MINUTE } from "../../lib/time";

/**
 * Throttling of what an attacker would repeat: password guesses, emails sent, sign-ups. Each
 * counts against the email (hashed, whether or not it has an account, so the answer is the same
 * for both) and against the client address (an IPv6 client by its /64, which one machine
 * usually holds whole). Limits per 15 minutes unless noted.
 */
export const THROTTLE = {
  signInPerEmail: { action: "sign-in", limit: 5, windowMs: 15 * MINUTE },
  signInPerIp: { action: "sign-in", limit: 30, windowMs: 15 * MINUTE },
  emailPerEmail: { action: "email", limit: 3, windowMs: 15 * MINUTE },
  emailPerIp: { action: "email", limit: 20, windowMs: 15 * MINUTE },
  signUpPerIp: { action: "sign-up", limit: 20, windowMs: HOUR },
} as const;

export interface Throttled {
  retryAfterSeconds: number;
}

type Rule = (typeof THROTTLE)[keyof typeof THROTTLE];

async function emailSubject(email: string): Promise<string> {
  return `email:${await sha256Hex(email)}`;
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

function refusal(states: ThrottleState[]): Throttled | null {
  const refused = states.filter((s) => !s.allowed);
  return refused.length === 0 ? null : { retryAfterSeconds: Math.max(...refused.map((s) => s.retryAfterSeconds)) };
}

const at = (ctx: ServiceContext, rule: Rule) => ({ ...rule, at: ctx.now() });

/** Before a password is checked: refused when the email or the address has too many recent failures. */
export async function signInRefusal(ctx: ServiceContext, email: string, ip: string | null): Promise<Throttled | null> {
  const states = await Promise.all([
    signInGate(ctx.env, await emailSubject(email)).check(at(ctx, THROTTLE.signInPerEmail)),
    signInGate(ctx.env, ipSubject(ip)).check(at(ctx, THROTTLE.signInPerIp)),
  ]);
  return refusal(states);
}

export async function recordSignInFailure(ctx: ServiceContext, email: string, ip: string | null): Promise<void> {
  await Promise.all([
    signInGate(ctx.env, await emailSubject(email)).hit(at(ctx, THROTTLE.signInPerEmail)),
    signInGate(ctx.env, ipSubject(ip)).hit(at(ctx, THROTTLE.signInPerIp)),
  ]);
}

/** A successful sign-in forgets the email's failures (not the address's: it may be guessing others). */
export async function clearSignInFailures(ctx: ServiceContext, email: string): Promise<void> {
  await signInGate(ctx.env, await emailSubject(email)).clear(THROTTLE.signInPerEmail.action);
}

/** Counts one email sent on request (reset, verification resend); refused past either limit. */
export async function takeEmailSend(ctx: ServiceContext, email: string, ip: string | null): Promise<Throttled | null> {
  const states = await Promise.all([
    signInGate(ctx.env, await emailSubject(email)).hit(at(ctx, THROTTLE.emailPerEmail)),
    signInGate(ctx.env, ipSubject(ip)).hit(at(ctx, THROTTLE.emailPerIp)),
  ]);
  return refusal(states);
}

export async function takeSignUp(ctx: ServiceContext, ip: string | null): Promise<Throttled | null> {
  return refusal([await signInGate(ctx.env, ipSubject(ip)).hit(at(ctx, THROTTLE.signUpPerIp))]);
}
