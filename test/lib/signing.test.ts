import { describe, expect, it } from "vitest";
import { base64UrlEncode } from "../../src/lib/base64";
import { hmacSha256 } from "../../src/lib/crypto";
import { signFileKey, verifyFileSignature } from "../../src/lib/signing";

describe("signed file URLs", () => {
  it("a remembered signature is the HMAC of (key, exp) under its own secret, never another secret's", async () => {
    const key = "results/acc_1/gen_1.png";
    const expected = (secret: string, exp: number) => hmacSha256(secret, `${key}\n${exp}`).then(base64UrlEncode);
    const first = await signFileKey("secret-a", key, 2_000_000_000);
    expect(first).toBe(await expected("secret-a", 2_000_000_000));
    expect(await signFileKey("secret-a", key, 2_000_000_000)).toBe(first); // answered from memory
    expect(await signFileKey("secret-b", key, 2_000_000_000)).toBe(await expected("secret-b", 2_000_000_000));
    expect(await signFileKey("secret-a", key, 2_000_000_001)).toBe(await expected("secret-a", 2_000_000_001));
    expect(await signFileKey("secret-a", "results/acc_1/gen_2.png", 2_000_000_000)).not.toBe(first);
  });

  it("verifies only the signature of its own secret, key and expiry", async () => {
    const sig = await signFileKey("secret-a", "k", 2_000_000_000);
    const at = 1_000_000_000_000;
    expect(await verifyFileSignature("secret-a", "k", 2_000_000_000, sig, at)).toBe(true);
    expect(await verifyFileSignature("secret-b", "k", 2_000_000_000, sig, at)).toBe(false);
    expect(await verifyFileSignature("secret-a", "k2", 2_000_000_000, sig, at)).toBe(false);
    expect(await verifyFileSignature("secret-a", "k", 2_000_000_001, sig, at)).toBe(false);
  });
});
