import { z } from "zod";
import type { ServiceContext } from "../../context";
import {
  type ChallengePurpose,
  consumeChallenge,
  deletePasskey,
  findPasskey,
  insertChallenge,
  insertPasskey,
  listUserPasskeys,
  type PasskeyRow,
  recordPasskeyUse,
} from "../../db/repo/passkeys";
import { findUser, type UserRow } from "../../db/repo/users";
import { base64UrlDecode, base64UrlEncode } from "../../lib/base64";
import { newId } from "../../lib/ids";
import { describeError, log } from "../../lib/logger";
import { MINUTE } from "../../lib/time";
import { markRecentAuth } from "./recent-auth";
import type { SignedIn } from "./sessions";
import { signInSucceeded, type Throttled, takePasskeyOptions, takeSignInAttempt } from "./throttle";
import {
  type AuthenticatorTransport,
  creationOptions,
  descriptor,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  requestOptions,
} from "./webauthn-options";
import { verifyAssertion as verifyAssertionResponse, verifyRegistration, WebAuthnRefused } from "./webauthn-verify";

export type Passkey = PasskeyRow;

/**
 * Passkeys (WebAuthn) as a second way to sign in: the ceremonies' checks are webauthn-verify.ts
 * (@oslojs/webauthn to parse, WebCrypto to verify, so it runs in workerd). The relying party is
 * the request's host and the expected origin the request's origin. Every ceremony's challenge is stored in D1 `webauthn_challenges`, used once
 * (DELETE … RETURNING) and valid CHALLENGE_TTL_MS. Credentials are discoverable (resident), so
 * sign-in needs no email; user verification is preferred (a PIN or biometric where the
 * authenticator has one). Attestation is "none": Drape trusts any authenticator (a "packed" self
 * attestation is accepted too, a statement with certificates refused: webauthn-verify.ts).
 */
export const CHALLENGE_TTL_MS = 5 * MINUTE;
const RP_NAME = "Drape";

/** Where the ceremony happens: the request's host (RP id) and origin. */
export interface RelyingParty {
  rpId: string;
  origin: string;
}

export const PasskeyNameSchema = z
  .string()
  .trim()
  .min(1, { message: "Name this passkey, e.g. “laptop”." })
  .max(100, { message: "Use at most 100 characters." })
  .regex(/^[^\p{Cc}]*$/u, { message: "Use letters, digits, spaces and punctuation only." });

const b64url = z
  .string()
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]*$/);
/** The credential JSON a browser posts (`PublicKeyCredential.toJSON()`), checked for shape before webauthn-verify.ts reads it. */
const RegistrationResponseSchema = z.object({
  id: b64url.min(1).max(1024),
  rawId: b64url.min(1).max(1024),
  type: z.literal("public-key"),
  response: z.object({ clientDataJSON: b64url, attestationObject: b64url, transports: z.array(z.string().max(32)).max(10).optional() }).loose(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
});
const AuthenticationResponseSchema = z.object({
  id: b64url.min(1).max(1024),
  rawId: b64url.min(1).max(1024),
  type: z.literal("public-key"),
  response: z.object({ clientDataJSON: b64url, authenticatorData: b64url, signature: b64url, userHandle: b64url.optional() }).loose(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
});

function parseCredential<T extends z.ZodType>(schema: T, raw: string): z.infer<T> | null {
  if (raw.length > 40_000) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

async function storeChallenge(ctx: ServiceContext, challenge: string, purpose: ChallengePurpose, userId: string | null): Promise<string> {
  const now = ctx.now();
  const id = newId("webauthnChallenge", now);
  await insertChallenge(ctx.db, { id, challenge, userId, purpose, createdAt: now, expiresAt: now + CHALLENGE_TTL_MS });
  return id;
}

/** The transports stored with a passkey (a JSON array the browser reported), as hints for the next ceremony. */
function transportsOf(row: PasskeyRow): AuthenticatorTransport[] | undefined {
  try {
    const value: unknown = JSON.parse(row.transports ?? "null");
    return Array.isArray(value) ? value.filter((t): t is AuthenticatorTransport => typeof t === "string") : undefined;
  } catch {
    return undefined;
  }
}

export interface CeremonyOptions<T> {
  challengeId: string;
  options: T;
}

/** Registration options for the signed-in user (their existing passkeys are excluded: one per authenticator). */
export async function startPasskeyRegistration(
  ctx: ServiceContext,
  user: UserRow,
  rp: RelyingParty,
): Promise<CeremonyOptions<PublicKeyCredentialCreationOptionsJSON>> {
  const existing = await listUserPasskeys(ctx.db, user.id);
  const options = creationOptions({
    rpName: RP_NAME,
    rpId: rp.rpId,
    userId: user.id,
    userName: user.email,
    timeoutMs: CHALLENGE_TTL_MS,
    exclude: existing.map((p) => descriptor(p.id, transportsOf(p))),
  });
  return { challengeId: await storeChallenge(ctx, options.challenge, "register", user.id), options };
}

export type PasskeyRefusal =
  | { ok: false; reason: "invalid" | "expired" | "attestation" }
  | { ok: false; reason: "name"; message: string }
  | ({ ok: false; reason: "throttled" } & Throttled);

/** Verifies a registration and stores the passkey under its name. */
export async function finishPasskeyRegistration(
  ctx: ServiceContext,
  user: UserRow,
  rp: RelyingParty,
  input: { challengeId: string; credential: string; name: string },
): Promise<{ ok: true; passkey: Passkey } | PasskeyRefusal> {
  const name = PasskeyNameSchema.safeParse(input.name);
  if (!name.success) return { ok: false, reason: "name", message: name.error.issues[0]?.message ?? "Invalid name." };
  const response = parseCredential(RegistrationResponseSchema, input.credential);
  const challenge = await consumeChallenge(ctx.db, input.challengeId.slice(0, 64), "register", ctx.now());
  if (!challenge || challenge.userId !== user.id) return { ok: false, reason: "expired" };
  if (!response) return { ok: false, reason: "invalid" };
  let credential: Awaited<ReturnType<typeof verifyRegistration>>;
  try {
    credential = await verifyRegistration(response, { challenge: challenge.challenge, origin: rp.origin, rpId: rp.rpId });
  } catch (err) {
    log("info", "passkey registration refused", { requestId: ctx.requestId, error: describeError(err) });
    return { ok: false, reason: err instanceof WebAuthnRefused && err.kind === "attestation" ? "attestation" : "invalid" };
  }
  const passkey: Passkey = {
    id: credential.id,
    userId: user.id,
    publicKey: base64UrlEncode(credential.publicKey),
    counter: credential.counter,
    transports: credential.transports ? JSON.stringify(credential.transports) : null,
    name: name.data,
    createdAt: ctx.now(),
    lastUsedAt: null,
  };
  // The same credential registered twice (an authenticator ignoring excludeCredentials) keeps its first row.
  if (!(await insertPasskey(ctx.db, passkey))) return { ok: false, reason: "invalid" };
  return { ok: true, passkey };
}

/** Options for a sign-in with any discoverable passkey of this site (no email asked), throttled per address. */
export async function startPasskeySignIn(
  ctx: ServiceContext,
  rp: RelyingParty,
  ip: string | null,
): Promise<({ ok: true } & CeremonyOptions<PublicKeyCredentialRequestOptionsJSON>) | ({ ok: false } & Throttled)> {
  const throttled = await takePasskeyOptions(ctx, ip);
  if (throttled) return { ok: false, ...throttled };
  const options = requestOptions({ rpId: rp.rpId, timeoutMs: CHALLENGE_TTL_MS });
  return { ok: true, challengeId: await storeChallenge(ctx, options.challenge, "authenticate", null), options };
}

/** Options for a signed-in user proving themselves again (their own passkeys only). */
export async function startPasskeyReauth(
  ctx: ServiceContext,
  user: UserRow,
  rp: RelyingParty,
): Promise<CeremonyOptions<PublicKeyCredentialRequestOptionsJSON>> {
  const mine = await listUserPasskeys(ctx.db, user.id);
  const options = requestOptions({ rpId: rp.rpId, timeoutMs: CHALLENGE_TTL_MS, allow: mine.map((p) => descriptor(p.id, transportsOf(p))) });
  return { challengeId: await storeChallenge(ctx, options.challenge, "authenticate", user.id), options };
}

/**
 * Checks an assertion against its stored challenge and passkey, and moves the signature counter
 * (conditionally: a replayed or cloned assertion with a stale counter is refused).
 */
async function verifyAssertion(
  ctx: ServiceContext,
  rp: RelyingParty,
  input: { challengeId: string; credential: string },
  expectUser: string | null,
  ip: string | null,
): Promise<{ ok: true; user: UserRow; passkey: Passkey } | PasskeyRefusal> {
  const response = parseCredential(AuthenticationResponseSchema, input.credential);
  const challenge = await consumeChallenge(ctx.db, input.challengeId.slice(0, 64), "authenticate", ctx.now());
  if (!challenge || challenge.userId !== expectUser) return { ok: false, reason: "expired" };
  const passkey = response ? await findPasskey(ctx.db, response.id) : undefined;
  const user = passkey ? await findUser(ctx.db, passkey.userId) : undefined;
  // Counted like a password attempt: against the passkey's user when there is one, and the address.
  const throttled = await takeSignInAttempt(ctx, user?.email ?? `passkey:${response?.id ?? "unknown"}`, ip);
  if (throttled) return { ok: false, reason: "throttled", ...throttled };
  if (!response || !passkey || !user || (expectUser !== null && user.id !== expectUser)) return { ok: false, reason: "invalid" };
  // A discoverable credential names its user: it must be the passkey's owner.
  if (response.response.userHandle && new TextDecoder().decode(base64UrlDecode(response.response.userHandle)) !== user.id)
    return { ok: false, reason: "invalid" };
  let newCounter: number;
  try {
    ({ newCounter } = await verifyAssertionResponse(response, {
      challenge: challenge.challenge,
      origin: rp.origin,
      rpId: rp.rpId,
      publicKey: base64UrlDecode(passkey.publicKey),
      counter: passkey.counter,
    }));
  } catch (err) {
    log("info", "passkey assertion refused", { requestId: ctx.requestId, error: describeError(err) });
    return { ok: false, reason: "invalid" };
  }
  if (!(await recordPasskeyUse(ctx.db, passkey.id, passkey.counter, newCounter, ctx.now()))) return { ok: false, reason: "invalid" };
  await signInSucceeded(ctx, user.email, ip);
  return { ok: true, user, passkey };
}

/** A sign-in with a passkey: the user it belongs to, or a refusal (throttled like a password sign-in). */
export async function finishPasskeySignIn(
  ctx: ServiceContext,
  rp: RelyingParty,
  input: { challengeId: string; credential: string },
  ip: string | null,
): Promise<{ ok: true; user: UserRow } | PasskeyRefusal> {
  const result = await verifyAssertion(ctx, rp, input, null, ip);
  return result.ok ? { ok: true, user: result.user } : result;
}

/** A signed-in user proves themselves again with one of their passkeys: the session counts as recently authenticated. */
export async function finishPasskeyReauth(
  ctx: ServiceContext,
  signedIn: SignedIn,
  rp: RelyingParty,
  input: { challengeId: string; credential: string },
  ip: string | null,
): Promise<{ ok: true } | PasskeyRefusal> {
  const result = await verifyAssertion(ctx, rp, input, signedIn.user.id, ip);
  if (!result.ok) return result;
  await markRecentAuth(ctx, signedIn.session.id);
  return { ok: true };
}

export function listPasskeys(ctx: ServiceContext, userId: string): Promise<Passkey[]> {
  return listUserPasskeys(ctx.db, userId);
}

export async function removePasskey(ctx: ServiceContext, userId: string, passkeyId: string): Promise<Passkey | null> {
  return (await deletePasskey(ctx.db, userId, passkeyId.slice(0, 1024))) ?? null;
}
