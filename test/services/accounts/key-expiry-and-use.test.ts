import { describe, expect, it } from "vitest";
import { authenticate, clearAuthCache, KEY_LAST_USED_EVERY_MS } from "../../../src/services/accounts/auth";
import { api, createAccount, env, expectEnvelope } from "../../helpers/harness";
import { testContext } from "../../helpers/service-context";

const lastUsed = async (keyId: string) =>
  (await env.DB.prepare("SELECT last_used_at AS t FROM api_keys WHERE id = ?").bind(keyId).first<{ t: number | null }>())?.t;

describe("API key expiry (roll overlap) and last use", () => {
  it("a key with expires_at in the past is refused; one expiring later still works", async () => {
    const acct = await createAccount();
    await env.DB.prepare("UPDATE api_keys SET expires_at = ? WHERE id = ?")
      .bind(Date.now() + 3_600_000, acct.keyId)
      .run();
    clearAuthCache();
    expect((await api(acct, "/account")).status).toBe(200);
    await env.DB.prepare("UPDATE api_keys SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, acct.keyId)
      .run();
    clearAuthCache();
    await expectEnvelope(await api(acct, "/account"), 401, "INVALID_API_KEY");
  });

  it("a cached key stops working at its expiry, not up to 30 s later", async () => {
    const acct = await createAccount();
    await env.DB.prepare("UPDATE api_keys SET expires_at = ? WHERE id = ?")
      .bind(Date.now() + 1500, acct.keyId)
      .run();
    clearAuthCache();
    expect((await api(acct, "/account")).status).toBe(200); // cached now, for at most 1.5 s
    await new Promise((r) => setTimeout(r, 1600));
    await expectEnvelope(await api(acct, "/account"), 401, "INVALID_API_KEY");
  });

  it("records last use on a lookup, at most every few minutes", async () => {
    const acct = await createAccount();
    expect(await lastUsed(acct.keyId)).toBeNull();
    clearAuthCache();
    const before = Date.now();
    expect((await api(acct, "/account")).status).toBe(200);
    const first = await lastUsed(acct.keyId);
    expect(first).toBeGreaterThanOrEqual(before);
    clearAuthCache();
    expect((await api(acct, "/account")).status).toBe(200);
    expect(await lastUsed(acct.keyId)).toBe(first);
    await env.DB.prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?")
      .bind(Date.now() - KEY_LAST_USED_EVERY_MS - 1000, acct.keyId)
      .run();
    clearAuthCache();
    expect((await api(acct, "/account")).status).toBe(200);
    expect(await lastUsed(acct.keyId)).toBeGreaterThanOrEqual(before);
  });
});

describe("authenticate: a cached key answers without an await", () => {
  it("looks a key up once (a promise), then answers synchronously, and refuses synchronously what it knows is bad", async () => {
    const acct = await createAccount();
    const { ctx } = testContext();
    clearAuthCache();
    const first = authenticate(ctx, acct.key);
    expect(first).toBeInstanceOf(Promise); // not looked up in this isolate yet
    const auth = await first;
    expect(auth).toMatchObject({ accountId: acct.accountId, keyId: acct.keyId });
    expect(authenticate(ctx, acct.key)).toBe(auth); // the cached answer itself, no promise

    const unknown = `${acct.key.slice(0, -4)}zzzz`;
    await expect(authenticate(ctx, unknown)).rejects.toMatchObject({ code: "INVALID_API_KEY" }); // the lookup's refusal
    expect(() => authenticate(ctx, unknown)).toThrow(expect.objectContaining({ code: "INVALID_API_KEY" })); // the cached refusal
    expect(() => authenticate(ctx, null)).toThrow(expect.objectContaining({ code: "MISSING_API_KEY" }));
    expect(() => authenticate(ctx, "not-a-key")).toThrow(expect.objectContaining({ code: "INVALID_API_KEY" }));
  });
});
