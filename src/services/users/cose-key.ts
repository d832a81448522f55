import { decodeCBORToNativeValueNoLeftoverBytes } from "@oslojs/cbor";
import {
  COSEKeyType,
  COSEPublicKey,
  coseAlgorithmEdDSA,
  coseAlgorithmES256,
  coseAlgorithmRS256,
  coseEllipticCurveEd25519,
  coseEllipticCurveP256,
} from "@oslojs/webauthn";
import { base64UrlEncode } from "../../lib/base64";

/**
 * A passkey's public key as its authenticator wrote it (a COSE_Key, RFC 9053), turned into a WebCrypto
 * key, and the WebAuthn signatures it makes checked with it. The algorithms are the three every
 * browser's authenticators use (WebAuthn §5.8.5): ES256 (P-256), EdDSA (Ed25519) and RS256.
 */
export const SUPPORTED_COSE_ALGORITHMS = [coseAlgorithmEdDSA, coseAlgorithmES256, coseAlgorithmRS256] as const;

/** A COSE key Drape does not accept (an unsupported algorithm, a malformed key). */
export class CoseKeyError extends Error {}

export interface VerifyingKey {
  algorithm: number;
  key: CryptoKey;
}

/** The COSE_Key stored with a passkey (CBOR bytes) as a key object; throws CoseKeyError if they are not one. */
export function decodeCoseKey(bytes: Uint8Array): COSEPublicKey {
  let decoded: unknown;
  try {
    decoded = decodeCBORToNativeValueNoLeftoverBytes(bytes, 4);
  } catch {
    throw new CoseKeyError("The public key is not CBOR.");
  }
  if (typeof decoded !== "object" || decoded === null) throw new CoseKeyError("The public key is not a COSE key.");
  return new COSEPublicKey(decoded);
}

function bytesParam(cose: COSEPublicKey, label: number): Uint8Array {
  const value = (cose.decoded as Record<string, unknown>)[String(label)];
  if (!(value instanceof Uint8Array)) throw new CoseKeyError(`The public key's parameter ${label} is missing.`);
  return value;
}

/** Imports a COSE key for signature checks; throws CoseKeyError for any key or algorithm outside SUPPORTED_COSE_ALGORITHMS. */
export async function importCoseKey(cose: COSEPublicKey): Promise<VerifyingKey> {
  let algorithm: number;
  try {
    algorithm = cose.algorithm();
    if (algorithm === coseAlgorithmES256) {
      // ec2() checks the key type and that x and y are 32 bytes each.
      if (cose.ec2().curve !== coseEllipticCurveP256) throw new CoseKeyError("ES256 needs a P-256 key.");
      const jwk = { kty: "EC", crv: "P-256", x: base64UrlEncode(bytesParam(cose, -2)), y: base64UrlEncode(bytesParam(cose, -3)) };
      return { algorithm, key: await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]) };
    }
    if (algorithm === coseAlgorithmEdDSA) {
      const okp = cose.okp();
      if (okp.curve !== coseEllipticCurveEd25519 || okp.x.byteLength !== 32) throw new CoseKeyError("EdDSA needs an Ed25519 key.");
      return { algorithm, key: await crypto.subtle.importKey("raw", okp.x, { name: "Ed25519" }, false, ["verify"]) };
    }
    if (algorithm === coseAlgorithmRS256) {
      if (cose.type() !== COSEKeyType.RSA) throw new CoseKeyError("RS256 needs an RSA key.");
      const n = bytesParam(cose, -1);
      if (n.byteLength < 256) throw new CoseKeyError("RS256 needs an RSA key of 2048 bits or more.");
      const jwk = { kty: "RSA", n: base64UrlEncode(n), e: base64UrlEncode(bytesParam(cose, -2)) };
      return { algorithm, key: await crypto.subtle.importKey("jwk", jwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]) };
    }
  } catch (err) {
    throw err instanceof CoseKeyError ? err : new CoseKeyError(`The public key is malformed: ${err instanceof Error ? err.message : String(err)}`);
  }
  throw new CoseKeyError(`COSE algorithm ${algorithm} is not supported.`);
}

/**
 * ECDSA signatures travel as ASN.1 DER (WebAuthn §6.5.5), WebCrypto wants r‖s: each INTEGER is read
 * by its encoded length (DER drops leading zero bytes, so r or s is sometimes shorter than 32 bytes)
 * and left-padded. Returns null for anything that is not exactly SEQUENCE { INTEGER, INTEGER }.
 */
export function derToRawEcdsa(der: Uint8Array, size = 32): Uint8Array | null {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) return null;
  const out = new Uint8Array(size * 2);
  let at = 2;
  for (const half of [0, 1]) {
    const len = der[at + 1] ?? 0;
    if (der[at] !== 0x02 || len < 1 || at + 2 + len > der.length) return null;
    let value = der.subarray(at + 2, at + 2 + len);
    while (value.length > 1 && value[0] === 0) value = value.subarray(1);
    if (value.length > size) return null;
    out.set(value, half * size + size - value.length);
    at += 2 + len;
  }
  return at === der.length ? out : null;
}

/** Checks a WebAuthn signature (an assertion's, or a self attestation's) over `data` with the passkey's key. */
export async function verifyCoseSignature(verifying: VerifyingKey, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  if (verifying.algorithm === coseAlgorithmES256) {
    const raw = derToRawEcdsa(signature);
    return raw !== null && crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, verifying.key, raw, data);
  }
  if (verifying.algorithm === coseAlgorithmEdDSA) return crypto.subtle.verify({ name: "Ed25519" }, verifying.key, signature, data);
  return crypto.subtle.verify({ name: "RSASSA-PKCS1-v1_5" }, verifying.key, signature, data);
}
