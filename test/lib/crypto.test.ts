import { describe, expect, it } from "vitest";
import { hmacSha256, hmacSha256Sync, sha256Hex, toHex } from "../../src/lib/crypto";

describe("hex and SHA-256", () => {
  it("writes every byte value as two lower-case hex digits, in order", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const hex = toHex(all);
    expect(hex).toHaveLength(512);
    for (let i = 0; i < 256; i++) expect(hex.slice(2 * i, 2 * i + 2)).toBe(i.toString(16).padStart(2, "0"));
    expect(toHex(new Uint8Array([0, 15, 16, 255]).buffer)).toBe("000f10ff");
    expect(toHex(new Uint8Array(0))).toBe("");
  });

  it("hashes to the published SHA-256 digests, and to WebCrypto's for every length around a block", async () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    for (let n = 0; n <= 130; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
      expect(sha256Hex(bytes), `${n} bytes`).toBe(toHex(await crypto.subtle.digest("SHA-256", bytes)));
    }
    expect(sha256Hex("dr_live_é✓")).toBe(toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("dr_live_é✓"))));
  });

  it("HMAC-SHA256 computed synchronously gives WebCrypto's bytes, for secrets and messages around a block", async () => {
    for (const secretLength of [1, 32, 63, 64, 65, 100]) {
      const secret = "s".repeat(secretLength - 1) + String(secretLength % 10);
      for (const n of [0, 1, 55, 56, 63, 64, 65, 120]) {
        const message = `results/acc_1/gen_${"x".repeat(n)}.png\n1767225600`;
        expect(toHex(hmacSha256Sync(secret, message)), `${secretLength}-byte secret, ${n}`).toBe(
          toHex(await hmacSha256(new TextEncoder().encode(secret), message)),
        );
      }
    }
  });
});
