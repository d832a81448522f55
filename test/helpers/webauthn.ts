import { base64UrlDecode, base64UrlEncode } from "../../src/lib/base64";

/**
 * A software WebAuthn authenticator for workerd tests: a key pair per credential (ES256 P-256 by
 * default, or EdDSA Ed25519, or RS256), "none" attestation by default (or a "packed" self
 * attestation, with or without a certificate), and assertions signed exactly as a browser's
 * authenticator signs them (authenticatorData ‖ SHA-256(clientDataJSON); ECDSA DER-encoded). The
 * browser side of a ceremony (clientDataJSON with the page's origin) is played by `register` and `assert`.
 */

const enc = new TextEncoder();

function head(major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n];
  if (n < 256) return [(major << 5) | 24, n];
  if (n < 65536) return [(major << 5) | 25, n >> 8, n & 255];
  return [(major << 5) | 26, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255];
}

type Cbor = number | string | Uint8Array | Cbor[] | Map<Cbor, Cbor>;

/** Just enough CBOR for an attestation object and a COSE key. */
function cbor(value: Cbor): number[] {
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") {
    const bytes = enc.encode(value);
    return [...head(3, bytes.length), ...bytes];
  }
  if (value instanceof Uint8Array) return [...head(2, value.length), ...value];
  if (Array.isArray(value)) return [...head(4, value.length), ...value.flatMap(cbor)];
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

export type Algorithm = "ES256" | "EdDSA" | "RS256";
const COSE_ALG: Record<Algorithm, number> = { ES256: -7, EdDSA: -8, RS256: -257 };

interface Credential {
  id: Uint8Array;
  alg: Algorithm;
  privateKey: CryptoKey;
  userHandle: Uint8Array;
  rpId: string;
  counter: number;
}

export interface AuthenticatorOptions {
  /** Moves the signature counter on every assertion (false: always 0, as many passkeys do). */
  counting?: boolean;
  alg?: Algorithm;
  /** The attestation statement: "none", a "packed" self attestation, or "packed" with a (dummy) certificate chain. */
  attestation?: "none" | "packed-self" | "packed-x5c";
}

/** What a test can bend in one ceremony to play a broken or hostile client. */
export interface CeremonyTweaks {
  /** The authenticator data's flags byte. */
  flags?: number;
  /** Extra or replaced clientDataJSON members. */
  clientData?: Record<string, unknown>;
  /** Flips a bit of the signature (the assertion's, or the self attestation's). */
  badSignature?: boolean;
}

async function generate(alg: Algorithm): Promise<CryptoKeyPair> {
  if (alg === "EdDSA") return (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  if (alg === "RS256")
    return (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
  return (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function coseKey(alg: Algorithm, publicKey: CryptoKey): Promise<Map<Cbor, Cbor>> {
  const jwk = (await crypto.subtle.exportKey("jwk", publicKey)) as JsonWebKey;
  const b = (s: string | undefined) => base64UrlDecode(s ?? "");
  if (alg === "EdDSA")
    return new Map<Cbor, Cbor>([
      [1, 1],
      [3, -8],
      [-1, 6],
      [-2, b(jwk.x)],
    ]);
  if (alg === "RS256")
    return new Map<Cbor, Cbor>([
      [1, 3],
      [3, -257],
      [-1, b(jwk.n)],
      [-2, b(jwk.e)],
    ]);
  return new Map<Cbor, Cbor>([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, b(jwk.x)],
    [-3, b(jwk.y)],
  ]);
}

async function sign(alg: Algorithm, key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  if (alg === "EdDSA") return new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, data));
  if (alg === "RS256") return new Uint8Array(await crypto.subtle.sign({ name: "RSASSA-PKCS1-v1_5" }, key, data));
  return derSignature(new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, data)));
}

const flipped = (sig: Uint8Array) => {
  const out = sig.slice();
  out[out.length - 1] = (out[out.length - 1] ?? 0) ^ 1;
  return out;
};

export interface CeremonyOptionsJson {
  challenge: string;
  rp?: { id?: string };
  rpId?: string;
  user?: { id: string };
}

export class SoftAuthenticator {
  readonly credentials: Credential[] = [];
  private readonly counting: boolean;
  private readonly alg: Algorithm;
  private readonly attestation: NonNullable<AuthenticatorOptions["attestation"]>;

  constructor(options: AuthenticatorOptions = {}) {
    this.counting = options.counting ?? true;
    this.alg = options.alg ?? "ES256";
    this.attestation = options.attestation ?? "none";
  }

  /** Holds a credential made elsewhere (e.g. one registered before, whose private key a fixture keeps). */
  adopt(credential: Credential): void {
    this.credentials.push(credential);
  }

  /** The browser's part of a registration: a new resident credential, as `credential.toJSON()`. */
  async register(options: CeremonyOptionsJson, origin: string, tweaks: CeremonyTweaks = {}): Promise<string> {
    const rpId = options.rp?.id ?? new URL(origin).hostname;
    const keys = await generate(this.alg);
    const id = crypto.getRandomValues(new Uint8Array(32));
    const authData = concat(
      await sha256(enc.encode(rpId)),
      new Uint8Array([tweaks.flags ?? 0x45]), // user present, user verified, attested credential data
      u32(0),
      new Uint8Array(16), // AAGUID
      new Uint8Array([id.length >> 8, id.length & 255]),
      id,
      new Uint8Array(cbor(await coseKey(this.alg, keys.publicKey))),
    );
    const clientDataJSON = enc.encode(
      JSON.stringify({ type: "webauthn.create", challenge: options.challenge, origin, crossOrigin: false, ...tweaks.clientData }),
    );
    const attStmt = new Map<Cbor, Cbor>();
    if (this.attestation !== "none") {
      const sig = await sign(this.alg, keys.privateKey, concat(authData, await sha256(clientDataJSON)));
      attStmt.set("alg", COSE_ALG[this.alg]).set("sig", tweaks.badSignature ? flipped(sig) : sig);
      if (this.attestation === "packed-x5c") attStmt.set("x5c", [crypto.getRandomValues(new Uint8Array(64))]);
    }
    const attestationObject = new Uint8Array(
      cbor(
        new Map<Cbor, Cbor>([
          ["fmt", this.attestation === "none" ? "none" : "packed"],
          ["attStmt", attStmt],
          ["authData", authData],
        ]),
      ),
    );
    this.credentials.push({ id, alg: this.alg, privateKey: keys.privateKey, userHandle: base64UrlDecode(options.user?.id ?? ""), rpId, counter: 0 });
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
  async assert(options: CeremonyOptionsJson, origin: string, which = 0, tweaks: CeremonyTweaks = {}): Promise<string> {
    const cred = this.credentials[which];
    if (!cred) throw new Error("no credential");
    if (this.counting) cred.counter++;
    const authData = concat(await sha256(enc.encode(options.rpId ?? cred.rpId)), new Uint8Array([tweaks.flags ?? 0x05]), u32(cred.counter));
    const clientDataJSON = enc.encode(JSON.stringify({ type: "webauthn.get", challenge: options.challenge, origin, crossOrigin: false, ...tweaks.clientData }));
    const signature = await sign(cred.alg, cred.privateKey, concat(authData, await sha256(clientDataJSON)));
    return JSON.stringify({
      id: base64UrlEncode(cred.id),
      rawId: base64UrlEncode(cred.id),
      type: "public-key",
      response: {
        clientDataJSON: base64UrlEncode(clientDataJSON),
        authenticatorData: base64UrlEncode(authData),
        signature: base64UrlEncode(tweaks.badSignature ? flipped(signature) : signature),
        userHandle: base64UrlEncode(cred.userHandle),
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    });
  }
}
