import { base64UrlDecode, base64UrlEncode } from "../../src/lib/base64";

/**
 * A software WebAuthn authenticator for workerd tests: an ES256 (P-256) key pair per credential,
 * "none" attestation, and assertions signed exactly as a browser's authenticator signs them
 * (authenticatorData ‖ SHA-256(clientDataJSON), DER-encoded ECDSA). The browser side of a
 * ceremony (clientDataJSON with the page's origin) is played by `register` and `assert`.
 */

const enc = new TextEncoder();

function head(major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n];
  if (n < 256) return [(major << 5) | 24, n];
  if (n < 65536) return [(major << 5) | 25, n >> 8, n & 255];
  return [(major << 5) | 26, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255];
}

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;

/** Just enough CBOR for an attestation object and a COSE key. */
function cbor(value: Cbor): number[] {
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") {
    const bytes = enc.encode(value);
    return [...head(3, bytes.length), ...bytes];
  }
  if (value instanceof Uint8Array) return [...head(2, value.length), ...value];
  const out = head(5, value.size);
  for (const [k, v] of value) out.push(...cbor(k), ...cbor(v));
  return out;
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const sha256 = async (bytes: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
const u32 = (n: number) => new Uint8Array([(n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255]);

/** WebCrypto's raw r‖s signature as ASN.1 DER, the form WebAuthn carries. */
function derSignature(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.slice(i);
    const body = (v[0] ?? 0) & 0x80 ? concat(new Uint8Array([0]), v) : v;
    return concat(new Uint8Array([0x02, body.length]), body);
  };
  const seq = concat(int(raw.slice(0, 32)), int(raw.slice(32)));
  return concat(new Uint8Array([0x30, seq.length]), seq);
}

interface Credential {
  id: Uint8Array;
  keys: CryptoKeyPair;
  userHandle: Uint8Array;
  rpId: string;
  counter: number;
}

export interface CeremonyOptionsJson {
  challenge: string;
  rp?: { id?: string };
  rpId?: string;
  user?: { id: string };
}

export class SoftAuthenticator {
  readonly credentials: Credential[] = [];
  /** Moves the signature counter on every assertion (false: always 0, as many passkeys do). */
  constructor(private readonly counting = true) {}

  /** The browser's part of a registration: a new resident credential, as `credential.toJSON()`. */
  async register(options: CeremonyOptionsJson, origin: string): Promise<string> {
    const rpId = options.rp?.id ?? new URL(origin).hostname;
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey("jwk", keys.publicKey)) as JsonWebKey;
    const id = crypto.getRandomValues(new Uint8Array(32));
    const cose = new Map<Cbor, Cbor>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, base64UrlDecode(jwk.x ?? "")],
      [-3, base64UrlDecode(jwk.y ?? "")],
    ]);
    const authData = concat(
      await sha256(enc.encode(rpId)),
      new Uint8Array([0x45]), // user present, user verified, attested credential data
      u32(0),
      new Uint8Array(16), // AAGUID
      new Uint8Array([id.length >> 8, id.length & 255]),
      id,
      new Uint8Array(cbor(cose)),
    );
    const attestationObject = new Uint8Array(
      cbor(
        new Map<Cbor, Cbor>([
          ["fmt", "none"],
          ["attStmt", new Map()],
          ["authData", authData],
        ]),
      ),
    );
    const clientDataJSON = enc.encode(JSON.stringify({ type: "webauthn.create", challenge: options.challenge, origin, crossOrigin: false }));
    this.credentials.push({ id, keys, userHandle: base64UrlDecode(options.user?.id ?? ""), rpId, counter: 0 });
    return JSON.stringify({
      id: base64UrlEncode(id),
      rawId: base64UrlEncode(id),
      type: "public-key",
      response: { clientDataJSON: base64UrlEncode(clientDataJSON), attestationObject: base64UrlEncode(attestationObject), transports: ["internal"] },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    });
  }

  /** The browser's part of a sign-in: an assertion by this authenticator's (first, or given) credential. */
  async assert(options: CeremonyOptionsJson, origin: string, which = 0): Promise<string> {
    const cred = this.credentials[which];
    if (!cred) throw new Error("no credential");
    if (this.counting) cred.counter++;
    const authData = concat(await sha256(enc.encode(options.rpId ?? cred.rpId)), new Uint8Array([0x05]), u32(cred.counter));
    const clientDataJSON = enc.encode(JSON.stringify({ type: "webauthn.get", challenge: options.challenge, origin, crossOrigin: false }));
    const signed = concat(authData, await sha256(clientDataJSON));
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, cred.keys.privateKey, signed));
    return JSON.stringify({
      id: base64UrlEncode(cred.id),
      rawId: base64UrlEncode(cred.id),
      type: "public-key",
      response: {
        clientDataJSON: base64UrlEncode(clientDataJSON),
        authenticatorData: base64UrlEncode(authData),
        signature: base64UrlEncode(derSignature(raw)),
        userHandle: base64UrlEncode(cred.userHandle),
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    });
  }
}
