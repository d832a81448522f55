import { describe, expect, it } from "vitest";
import { base64UrlDecode } from "../../../src/lib/base64";
import { decodeCoseKey, derToRawEcdsa, importCoseKey, verifyCoseSignature } from "../../../src/services/users/cose-key";

/** ASN.1 DER of an ECDSA signature as authenticators write it: each INTEGER minimal (leading zeros dropped). */
function der(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.slice(i);
    const body = (v[0] ?? 0) & 0x80 ? [0, ...v] : [...v];
    return [0x02, body.length, ...body];
  };
  const seq = [...int(raw.slice(0, 32)), ...int(raw.slice(32))];
  return new Uint8Array([0x30, seq.length, ...seq]);
}

describe("ES256 signatures (DER to r‖s)", () => {
  it("verifies signatures whose r or s is shorter than 32 bytes once DER drops its leading zero byte", async () => {
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey("jwk", keys.publicKey)) as JsonWebKey;
    // The COSE key the authenticator would write: {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}.
    const cose = new Uint8Array([
      0xa5,
      0x01,
      0x02,
      0x03,
      0x26,
      0x20,
      0x01,
      0x21,
      0x58,
      0x20,
      ...base64UrlDecode(jwk.x ?? ""),
      0x22,
      0x58,
      0x20,
      ...base64UrlDecode(jwk.y ?? ""),
    ]);
    const verifying = await importCoseKey(decodeCoseKey(cose));
    const data = new TextEncoder().encode("authenticatorData ‖ clientDataHash");
    let short = 0;
    // About one signature in 256 has an r or s that DER writes in fewer than 32 bytes (a zero first byte,
    // and no sign byte to add back); sign until two such have been checked.
    const shortInt = (b: Uint8Array) => b[0] === 0 && (b[1] ?? 0) < 0x80;
    for (let i = 0; i < 8000 && short < 2; i++) {
      const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, keys.privateKey, data));
      if (!shortInt(raw.subarray(0, 32)) && !shortInt(raw.subarray(32))) continue;
      short++;
      const encoded = der(raw);
      const rLength = encoded[3] ?? 0;
      expect(Math.min(rLength, encoded[5 + rLength] ?? 0)).toBeLessThan(32);
      expect(derToRawEcdsa(encoded)).toEqual(raw);
      expect(await verifyCoseSignature(verifying, encoded, data)).toBe(true);
    }
    expect(short).toBe(2);
  });

  it("reads nothing but SEQUENCE { INTEGER r, INTEGER s } with exact lengths", () => {
    const raw = new Uint8Array(64).map((_, i) => i + 1);
    const good = der(raw);
    expect(derToRawEcdsa(good)).toEqual(raw);
    expect(derToRawEcdsa(good.slice(0, -1))).toBeNull(); // truncated
    expect(derToRawEcdsa(new Uint8Array([...good, 0]))).toBeNull(); // trailing byte
    expect(derToRawEcdsa(new Uint8Array([0x31, ...good.slice(1)]))).toBeNull(); // a SET, not a SEQUENCE
    const wide = new Uint8Array([0x30, 0x46, 0x02, 0x21, 0x01, ...new Uint8Array(32), 0x02, 0x21, 0x00, ...new Uint8Array(32).fill(0x80)]);
    expect(derToRawEcdsa(wide)).toBeNull(); // r of 33 significant bytes
  });
});
