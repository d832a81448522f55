import { afterEach, describe, expect, it, vi } from "vitest";
import { signIn, signUp, THROTTLE } from "../../../src/services/users";
import { ipSubject } from "../../../src/services/users/throttle";
import { GOOD_PASSWORD, uniqueEmail } from "../../helpers/dashboard";
import { testContext } from "../../helpers/service-context";

afterEach(() => vi.restoreAllMocks());

let n = 0;
const freshIp = () => `192.0.2.${++n}`;

describe("sign-in throttling (SignInGate)", () => {
  it("5 failures per email in 15 minutes: the 6th attempt is refused, even with the right password, until the window moves", async () => {
    const { ctx, clock } = testContext();
    const email = uniqueEmail();
    await signUp(ctx, { email, password: GOOD_PASSWORD, ip: freshIp() });
    for (let i = 0; i < THROTTLE.signInPerEmail.limit; i++) {
      expect(await signIn(ctx, { email, password: "wrong-password-123", ip: freshIp() })).toEqual({ ok: false, reason: "invalid" });
      clock.advance(1000);
    }
    const refused = await signIn(ctx, { email, password: GOOD_PASSWORD, ip: freshIp() });
    expect(refused).toMatchObject({ ok: false, reason: "throttled" });
    const wait = (refused as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(wait).toBeGreaterThan(14 * 60 - 10);
    expect(wait).toBeLessThanOrEqual(15 * 60);
    clock.advance(wait * 1000);
    expect(await signIn(ctx, { email, password: GOOD_PASSWORD, ip: freshIp() })).toMatchObject({ ok: true });
  });

  it("an unknown email is throttled exactly like a known one", async () => {
    const { ctx } = testContext();
    const email = uniqueEmail("nobody");
    for (let i = 0; i < THROTTLE.signInPerEmail.limit; i++)
      expect(await signIn(ctx, { email, password: "x", ip: freshIp() })).toEqual({ ok: false, reason: "invalid" });
    expect(await signIn(ctx, { email, password: "x", ip: freshIp() })).toMatchObject({ ok: false, reason: "throttled" });
  });

  it("30 failures per address across emails: the address is refused for any email", async () => {
    const { ctx } = testContext();
    const ip = freshIp();
    for (let i = 0; i < THROTTLE.signInPerIp.limit; i++) await signIn(ctx, { email: uniqueEmail("spray"), password: "guess-123456", ip });
    expect(await signIn(ctx, { email: uniqueEmail("spray"), password: "guess-123456", ip })).toMatchObject({ ok: false, reason: "throttled" });
    expect(await signIn(ctx, { email: uniqueEmail("spray"), password: "guess-123456", ip: freshIp() })).toEqual({ ok: false, reason: "invalid" });
  });

  it("a successful sign-in clears the email's attempts", async () => {
    const { ctx } = testContext();
    const email = uniqueEmail();
    await signUp(ctx, { email, password: GOOD_PASSWORD, ip: freshIp() });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < THROTTLE.signInPerEmail.limit - 1; i++) await signIn(ctx, { email, password: "wrong-password-123", ip: freshIp() });
      expect(await signIn(ctx, { email, password: GOOD_PASSWORD, ip: freshIp() })).toMatchObject({ ok: true });
    }
  });

  it("of 12 simultaneous guesses, exactly 5 get to try a password (attempts are counted before the check)", async () => {
    const { ctx } = testContext();
    const email = uniqueEmail("race");
    await signUp(ctx, { email, password: GOOD_PASSWORD, ip: freshIp() });
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    const results = await Promise.all(Array.from({ length: 12 }, () => signIn(ctx, { email, password: "guess-123456", ip: freshIp() })));
    // Passwords actually tried: one PBKDF2 derivation each.
    expect(derive).toHaveBeenCalledTimes(THROTTLE.signInPerEmail.limit);
    expect(results.filter((r) => !r.ok && r.reason === "invalid")).toHaveLength(THROTTLE.signInPerEmail.limit);
    expect(results.filter((r) => !r.ok && r.reason === "throttled")).toHaveLength(12 - THROTTLE.signInPerEmail.limit);
  });

  it("IPv6 clients are throttled by their /64; IPv4 by address", () => {
    expect(ipSubject("2001:db8:1:2:aaaa::1")).toBe(ipSubject("2001:db8:1:2:bbbb:cccc:dddd:eeee"));
    expect(ipSubject("2001:db8:1:2::1")).not.toBe(ipSubject("2001:db8:1:3::1"));
    expect(ipSubject("2001:0db8:0001:0002::")).toBe(ipSubject("2001:db8:1:2::9"));
    expect(ipSubject("::ffff:192.0.2.7")).toBe("ip:192.0.2.7");
    expect(ipSubject("192.0.2.7")).toBe("ip:192.0.2.7");
    expect(ipSubject(null)).toBe("ip:unknown");
  });
});
