import { base64UrlEncode } from "../../lib/base64";
import { SUPPORTED_COSE_ALGORITHMS } from "./cose-key";

/**
 * The ceremony options Drape sends the browser, in the JSON form of WebAuthn Level 3
 * (`PublicKeyCredentialCreationOptionsJSON` / `…RequestOptionsJSON`: binary fields as base64url),
 * which the dashboard's app.js turns into the objects `navigator.credentials` takes.
 */
export type AuthenticatorTransport = "ble" | "cable" | "hybrid" | "internal" | "nfc" | "smart-card" | "usb";

export interface CredentialDescriptorJSON {
  id: string;
  type: "public-key";
  transports?: AuthenticatorTransport[];
}

export interface PublicKeyCredentialCreationOptionsJSON {
  rp: { name: string; id: string };
  user: { id: string; name: string; displayName: string };
  challenge: string;
  pubKeyCredParams: { type: "public-key"; alg: number }[];
  timeout: number;
  excludeCredentials: CredentialDescriptorJSON[];
  authenticatorSelection: { residentKey: "required"; requireResidentKey: true; userVerification: "preferred" };
  attestation: "none";
  extensions: { credProps: true };
}

export interface PublicKeyCredentialRequestOptionsJSON {
  challenge: string;
  rpId: string;
  timeout: number;
  userVerification: "preferred";
  allowCredentials?: CredentialDescriptorJSON[];
}

/** A ceremony's challenge: 32 random bytes (WebAuthn asks for at least 16), base64url. */
export function newChallenge(): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(32)));
}

export function descriptor(id: string, transports: AuthenticatorTransport[] | undefined): CredentialDescriptorJSON {
  return transports ? { id, type: "public-key", transports } : { id, type: "public-key" };
}

/**
 * Options for a discoverable credential (the user id is its user handle, so a sign-in needs no email),
 * user verification preferred, attestation "none": Drape trusts any authenticator and never asks
 * which make it is.
 */
export function creationOptions(input: {
  rpName: string;
  rpId: string;
  userId: string;
  userName: string;
  timeoutMs: number;
  exclude: CredentialDescriptorJSON[];
}): PublicKeyCredentialCreationOptionsJSON {
  return {
    rp: { name: input.rpName, id: input.rpId },
    user: { id: base64UrlEncode(new TextEncoder().encode(input.userId)), name: input.userName, displayName: input.userName },
    challenge: newChallenge(),
    pubKeyCredParams: SUPPORTED_COSE_ALGORITHMS.map((alg) => ({ type: "public-key", alg })),
    timeout: input.timeoutMs,
    excludeCredentials: input.exclude,
    authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "preferred" },
    attestation: "none",
    extensions: { credProps: true },
  };
}

/** Options for an assertion; `allow` limits it to those credentials (a signed-in user's own). */
export function requestOptions(input: { rpId: string; timeoutMs: number; allow?: CredentialDescriptorJSON[] }): PublicKeyCredentialRequestOptionsJSON {
  const options: PublicKeyCredentialRequestOptionsJSON = {
    challenge: newChallenge(),
    rpId: input.rpId,
    timeout: input.timeoutMs,
    userVerification: "preferred",
  };
  return input.allow ? { ...options, allowCredentials: input.allow } : options;
}
