import { decodeCBORToNativeValue, decodeCBORToNativeValueNoLeftoverBytes } from "@oslojs/cbor";
import { type AuthenticatorData, ClientDataType, parseAuthenticatorData, parseClientDataJSON } from "@oslojs/webauthn";
import { base64UrlDecode, base64UrlEncode } from "../../lib/base64";
import { timingSafeEqualStrings } from "../../lib/crypto";
import { CoseKeyError, decodeCoseKey, importCoseKey, SUPPORTED_COSE_ALGORITHMS, type VerifyingKey, verifyCoseSignature } from "./cose-key";

/**
 * The relying party's checks of a WebAuthn ceremony (WebAuthn Level 3 §7.1 registration, §7.2
 * assertion) for a site that asks for attestation "none": @oslojs/webauthn parses the client data and
 * authenticator data, WebCrypto checks signatures. Drape does not verify attestation certificates
 * (it trusts any authenticator), so a registration is accepted with the "none" statement, or with a
 * "packed" self attestation (no certificate) whose signature the new credential's own key must verify;
 * a statement that carries certificates is refused as "attestation" (docs/dashboard.md, Passkeys).
 */

/** Why a ceremony is refused: "attestation" when only the attestation statement's format is the problem. */
export class WebAuthnRefused extends Error {
  constructor(
    readonly kind: "invalid" | "attestation",
    message: string,
  ) {
    super(message);
  }
}

export interface ExpectedCeremony {
  /** The challenge Drape issued for this ceremony (base64url). */
  challenge: string;
  origin: string;
  rpId: string;
}

export interface RegistrationResponse {
  id: string;
  rawId: string;
  response: { clientDataJSON: string; attestationObject: string; transports?: string[] };
}

export interface AuthenticationResponse {
  id: string;
  rawId: string;
  response: { clientDataJSON: string; authenticatorData: string; signature: string };
}

export interface RegisteredCredential {
  id: string;
  /** The COSE_Key bytes exactly as the authenticator data carries them. */
  publicKey: Uint8Array;
  counter: number;
  transports: string[] | undefined;
}

const refuse = (message: string): never => {
  throw new WebAuthnRefused("invalid", message);
};

function bytesOf(b64url: string, what: string): Uint8Array {
  try {
    return base64UrlDecode(b64url);
  } catch {
    return refuse(`${what} is not base64url.`);
  }
}

const sha256 = async (bytes: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

/** §7.1 steps 5–12 / §7.2 steps 10–15: the browser's own account of the ceremony. */
async function checkClientData(clientDataJSON: Uint8Array, type: ClientDataType, expected: ExpectedCeremony): Promise<void> {
  let client: ReturnType<typeof parseClientDataJSON>;
  try {
    client = parseClientDataJSON(clientDataJSON);
  } catch (err) {
    return refuse(err instanceof Error ? err.message : "Bad client data.");
  }
  if (client.type !== type) refuse("The client data is for another ceremony type.");
  if (!(await timingSafeEqualStrings(base64UrlEncode(client.challenge), expected.challenge))) refuse("The challenge does not match.");
  if (client.origin !== expected.origin) refuse(`Unexpected origin ${JSON.stringify(client.origin.slice(0, 200))}.`);
  // The dashboard is never framed by another site, so a ceremony run inside a cross-origin frame is not ours.
  if (client.crossOrigin === true) refuse("The ceremony ran in a cross-origin frame.");
}

/** §7.1 steps 13–15 / §7.2 steps 15–17: the authenticator's own flags, for this relying party. */
function parseAndCheckAuthData(authData: Uint8Array, expected: ExpectedCeremony): AuthenticatorData {
  let parsed: AuthenticatorData;
  try {
    parsed = parseAuthenticatorData(authData);
  } catch (err) {
    return refuse(err instanceof Error ? err.message : "Bad authenticator data.");
  }
  if (!parsed.verifyRelyingPartyIdHash(expected.rpId)) refuse("The authenticator data is for another relying party.");
  if (!parsed.userPresent) refuse("The user was not present.");
  return parsed;
}

/** The attestation object's three members (§6.5.4). */
function decodeAttestationObject(bytes: Uint8Array): { fmt: string; attStmt: Record<string, unknown>; authData: Uint8Array } {
  let decoded: unknown;
  try {
    decoded = decodeCBORToNativeValueNoLeftoverBytes(bytes, 4);
  } catch {
    return refuse("The attestation object is not CBOR.");
  }
  const o = (typeof decoded === "object" && decoded !== null ? decoded : {}) as Record<string, unknown>;
  const { fmt, attStmt, authData } = o;
  if (typeof fmt !== "string" || typeof attStmt !== "object" || attStmt === null || !(authData instanceof Uint8Array))
    return refuse("The attestation object lacks fmt, attStmt or authData.");
  return { fmt, attStmt: attStmt as Record<string, unknown>, authData };
}

/** The credential public key's own bytes inside the authenticator data (after rpIdHash, flags, counter, AAGUID and the id). */
function credentialPublicKeyBytes(authData: Uint8Array, credentialIdLength: number): Uint8Array {
  const start = 37 + 16 + 2 + credentialIdLength;
  const [, size] = decodeCBORToNativeValue(authData.subarray(start), 4);
  return authData.slice(start, start + size);
}

/**
 * §7.1 steps 19–21 for the statements Drape accepts: "none" (an empty statement) and "packed"
 * self attestation (no x5c: signed by the credential's own key over authData ‖ SHA-256(clientDataJSON)).
 */
async function checkAttestation(
  fmt: string,
  attStmt: Record<string, unknown>,
  key: VerifyingKey,
  authData: Uint8Array,
  clientDataJSON: Uint8Array,
): Promise<void> {
  if (fmt === "none") {
    if (Object.keys(attStmt).length > 0) refuse('A "none" attestation statement must be empty.');
    return;
  }
  if (fmt !== "packed" || "x5c" in attStmt)
    throw new WebAuthnRefused("attestation", `Attestation format "${fmt.slice(0, 40)}" with certificates is not accepted; Drape asks for "none".`);
  const { alg, sig } = attStmt;
  if (alg !== key.algorithm || !(sig instanceof Uint8Array)) refuse("The self attestation's algorithm does not match the credential's key.");
  if (!(await verifyCoseSignature(key, sig as Uint8Array, concat(authData, await sha256(clientDataJSON)))))
    refuse("The self attestation's signature does not verify.");
}

/** Verifies a registration (`navigator.credentials.create`'s JSON) and returns the credential to store. */
export async function verifyRegistration(response: RegistrationResponse, expected: ExpectedCeremony): Promise<RegisteredCredential> {
  if (response.id !== response.rawId) refuse("id and rawId differ.");
  const clientDataJSON = bytesOf(response.response.clientDataJSON, "clientDataJSON");
  await checkClientData(clientDataJSON, ClientDataType.Create, expected);
  const { fmt, attStmt, authData } = decodeAttestationObject(bytesOf(response.response.attestationObject, "attestationObject"));
  const parsed = parseAndCheckAuthData(authData, expected);
  const credential = parsed.credential ?? refuse("The authenticator data carries no credential.");
  if (base64UrlEncode(credential.id) !== response.id) refuse("The credential id does not match the authenticator data.");
  let key: VerifyingKey;
  try {
    const algorithm = credential.publicKey.algorithm();
    if (!(SUPPORTED_COSE_ALGORITHMS as readonly number[]).includes(algorithm)) refuse(`COSE algorithm ${algorithm} was not offered.`);
    key = await importCoseKey(credential.publicKey);
  } catch (err) {
    if (err instanceof WebAuthnRefused) throw err;
    return refuse(err instanceof CoseKeyError ? err.message : "The credential public key is malformed.");
  }
  await checkAttestation(fmt, attStmt, key, authData, clientDataJSON);
  return {
    id: response.id,
    publicKey: credentialPublicKeyBytes(authData, credential.id.length),
    counter: parsed.signatureCounter,
    transports: response.response.transports,
  };
}

/**
 * Verifies an assertion against the stored passkey (its COSE key and last counter); returns the new
 * counter. A counter that does not move forward is refused unless both are 0 (an authenticator that
 * keeps no counter, as synced passkeys do): a smaller one means a cloned authenticator (§6.1.1).
 */
export async function verifyAssertion(
  response: AuthenticationResponse,
  expected: ExpectedCeremony & { publicKey: Uint8Array; counter: number },
): Promise<{ newCounter: number }> {
  if (response.id !== response.rawId) refuse("id and rawId differ.");
  const clientDataJSON = bytesOf(response.response.clientDataJSON, "clientDataJSON");
  await checkClientData(clientDataJSON, ClientDataType.Get, expected);
  const authData = bytesOf(response.response.authenticatorData, "authenticatorData");
  const parsed = parseAndCheckAuthData(authData, expected);
  let key: VerifyingKey;
  try {
    key = await importCoseKey(decodeCoseKey(expected.publicKey));
  } catch (err) {
    return refuse(err instanceof Error ? err.message : "The stored public key is unusable.");
  }
  const signature = bytesOf(response.response.signature, "signature");
  if (!(await verifyCoseSignature(key, signature, concat(authData, await sha256(clientDataJSON))))) refuse("The signature does not verify.");
  const newCounter = parsed.signatureCounter;
  if ((newCounter > 0 || expected.counter > 0) && newCounter <= expected.counter)
    refuse(`The signature counter did not move forward (${newCounter} after ${expected.counter}).`);
  return { newCounter };
}
