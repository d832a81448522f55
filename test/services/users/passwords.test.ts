import { afterEach, describe, expect, it, vi } from "vitest";
import { hashPassword, PASSWORD_MIN_LENGTH, PBKDF2_ITERATIONS, passwordProblem, verifyPassword } from "../../../src/services/users";
import { COMMON_PASSWORDS } from "../../../src/services/users/common-passwords";

afterEach(() => vi.restoreAllMocks());

/** What Cloudflare's production runtime answers above its cap (local workerd does not enforce it). */
const PRODUCTION_CAP = 100_000;

function enforceProductionCap() {
  const real = crypto.subtle.deriveBits.bind(crypto.subtle);
  const iterationsSeen: number[] = [];
  vi.spyOn(crypto.subtle, "deriveBits").mockImplementation((algorithm, key, length) => {
    const iterations = (algorithm as { iterations: number }).iterations;
    iterationsSeen.push(iterations);
    if (iterations > PRODUCTION_CAP)
      return Promise.reject(new DOMException("Pbkdf2 failed: iteration counts above 100000 are not supported", "NotSupportedError"));
    return real(algorithm, key, length);
  });
  return iterationsSeen;
}

describe("password hashing (PBKDF2-SHA-256)", () => {
  it("uses the highest iteration count production accepts, and works where the cap is enforced", async () => {
    expect(PBKDF2_ITERATIONS).toBe(PRODUCTION_CAP);
    const seen = enforceProductionCap();
    const stored = await hashPassword("violet-Anchor-58-quartz");
    expect(await verifyPassword("violet-Anchor-58-quartz", stored)).toEqual({ ok: true, needsRehash: false });
    expect(seen).toEqual([PRODUCTION_CAP, PRODUCTION_CAP]);
  });

  it("one more iteration would break sign-up in production (the double refuses it)", async () => {
    enforceProductionCap();
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("x"), "PBKDF2", false, ["deriveBits"]);
    await expect(
      crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: new Uint8Array(16), iterations: PRODUCTION_CAP + 1 }, key, 256),
    ).rejects.toThrow(/above 100000/);
  });

  it("stores version, iterations, a per-user salt and the hash; the same password hashes differently twice", async () => {
    const a = await hashPassword("violet-Anchor-58-quartz");
    const b = await hashPassword("violet-Anchor-58-quartz");
    expect(a).toMatch(/^pbkdf2-sha256\$1\$100000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });

  it("refuses a wrong password, and an unreadable stored hash never matches", async () => {
    const stored = await hashPassword("violet-Anchor-58-quartz");
    expect((await verifyPassword("violet-Anchor-58-quartz ", stored)).ok).toBe(false);
    expect((await verifyPassword("violet-Anchor-58-quartz", "pbkdf2-sha256$1$100000$zz")).ok).toBe(false);
    expect((await verifyPassword("violet-Anchor-58-quartz", stored.replace("$100000$", "$100001$"))).ok).toBe(false);
  });

  it("a hash made with older parameters verifies and asks for a rehash", async () => {
    const salt = new Uint8Array(16).fill(7);
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("violet-Anchor-58-quartz"), "PBKDF2", false, ["deriveBits"]);
    const bits = new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 10_000 }, key, 256));
    const b64 = (u: Uint8Array) =>
      btoa(String.fromCharCode(...u))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, "");
    const old = `pbkdf2-sha256$1$10000$${b64(salt)}$${b64(bits)}`;
    expect(await verifyPassword("violet-Anchor-58-quartz", old)).toEqual({ ok: true, needsRehash: true });
  });

  it("normalizes (NFKC): a composed and a decomposed accent are the same password", async () => {
    const stored = await hashPassword("caf\u00e9-Anchor-58-quartz");
    expect((await verifyPassword("cafe\u0301-Anchor-58-quartz", stored)).ok).toBe(true);
  });
});

describe("password rules", () => {
  it(`refuses fewer than ${PASSWORD_MIN_LENGTH} characters (counted as characters, not bytes) and more than 256`, () => {
    expect(passwordProblem("short-pw9")).toMatch(/at least 10/);
    expect(passwordProblem("😀😀😀😀😀abcde")).toBeNull();
    expect(passwordProblem("x1-".repeat(86))).toMatch(/at most 256/);
  });

  it("refuses the bundled common passwords, whatever their case", () => {
    expect(COMMON_PASSWORDS.length).toBeGreaterThan(1000);
    for (const pw of ["1234567890", "qwertyuiop", "password123", "PassWord123", COMMON_PASSWORDS.at(-1) as string]) {
      expect(passwordProblem(pw), pw).toMatch(/most common/);
    }
  });

  it("refuses few distinct characters and the account's own email", () => {
    expect(passwordProblem("aaaaaaaaaaaa")).toMatch(/different characters/);
    expect(passwordProblem("abababababab")).toMatch(/different characters/);
    expect(passwordProblem("jane.doe@example.com", "Jane.Doe@example.com")).toMatch(/email/);
    expect(passwordProblem("my-jane.doe-2026!", "jane.doe@example.com")).toMatch(/email/);
    expect(passwordProblem("violet-Anchor-58-quartz", "jane.doe@example.com")).toBeNull();
  });
});
