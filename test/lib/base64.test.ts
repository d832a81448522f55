import { describe, expect, it } from "vitest";
import { base64Decode, base64Encode, base64UrlDecode, base64UrlEncode } from "../../src/lib/base64";
import { prng } from "../helpers/prng";

/** The platform's own codec, as the reference. */
const viaBtoa = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const viaAtob = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

describe("lib/base64: one codec, as strict as atob", () => {
  it("encodes like btoa at every length, and the URL-safe form without padding", () => {
    const rand = prng(64);
    for (let n = 0; n <= 66; n++) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
      const b64 = viaBtoa(bytes);
      expect(base64Encode(bytes)).toBe(b64);
      expect(base64UrlEncode(bytes)).toBe(b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
      expect([...base64Decode(b64)]).toEqual([...bytes]);
      expect([...base64UrlDecode(base64UrlEncode(bytes))]).toEqual([...bytes]);
    }
  });

  it("encodes a view of a larger buffer, not the whole buffer", () => {
    const whole = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(base64Encode(whole.subarray(2, 5))).toBe(viaBtoa(Uint8Array.from([3, 4, 5])));
  });

  it("decodes what atob decodes, and refuses what atob refuses", () => {
    for (const text of ["", "QQ", "QQ==", "QUI=", "QUJD", " Q U J D\n", "QUJ"]) {
      expect([...base64Decode(text)]).toEqual([...viaAtob(text)]);
    }
    for (const text of ["Q", "QQ=", "QQ===", "Q=Q=", "QU*D", "QUJD-_", "é"]) {
      expect(() => viaAtob(text)).toThrow();
      expect(() => base64Decode(text)).toThrow();
    }
    expect(() => base64UrlDecode("QUJD+/")).toThrow();
  });

  it("a decoded value owns its bytes (never a slice of a shared pool)", () => {
    const out = base64Decode("QUJD");
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(3);
  });
});
