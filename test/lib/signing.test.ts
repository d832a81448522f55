import { describe, expect, it } from "vitest";
import { base64UrlEncode } from "../../src/lib/base64";
import { hmacSha256 } from "../../src/lib/crypto";
import { signedFileUrl, verifyFileSignature } from "../../src/lib/signing";

const at = 1_000_000_000_000;
const bytes = (secret: string) => new TextEncoder().encode(secret);
const sigOf = (url: string) => new URL(url, "https://x.test").searchParams.get("sig") ?? "";

describe("signed file URLs", () => {
  it("a remembered signature is the HMAC of (key, exp) under its own secret, never another secret's", async () => {
    const key = "results/acc_1/gen_1.png";
    const expected = (secret: string, exp: number) => hmacSha256(bytes(secret), `${key}\n${exp}`).then(base64UrlEncode);
    const first = signedFileUrl("secret-a", key, 60, at);
    expect(sigOf(first.url)).toBe(await expected("secret-a", at / 1000 + 60));
    expect(signedFileUrl("secret-a", key, 60, at)).toEqual(first); // answered from memory, the same URL
    expect(sigOf(signedFileUrl("secret-b", key, 60, at).url)).toBe(await expected("secret-b", at / 1000 + 60));
    expect(sigOf(signedFileUrl("secret-a", key, 61, at).url)).toBe(await expected("secret-a", at / 1000 + 61));
    expect(sigOf(signedFileUrl("secret-a", "results/acc_1/gen_2.png", 60, at).url)).not.toBe(sigOf(first.url));
  });

  it("verifies only the signature of its own secret, key and expiry, remembered or not", async () => {
    const exp = at / 1000 + 60;
    const { url } = signedFileUrl("secret-a", "k", 60, at);
    const sig = sigOf(url);
    expect(await verifyFileSignature("secret-a", "k", exp, sig, at)).toBe(true);
    expect(await verifyFileSignature("secret-b", "k", exp, sig, at)).toBe(false);
    expect(await verifyFileSignature("secret-a", "k2", exp, sig, at)).toBe(false);
    expect(await verifyFileSignature("secret-a", "k", exp + 1, sig, at)).toBe(false);
    expect(await verifyFileSignature("secret-a", "k", exp, sig, exp * 1000)).toBe(false); // expired
    // A URL never handed out still verifies by computing its signature.
    const other = await hmacSha256(bytes("secret-a"), `fresh\n${exp}`).then(base64UrlEncode);
    expect(await verifyFileSignature("secret-a", "fresh", exp, other, at)).toBe(true);
  });
});
