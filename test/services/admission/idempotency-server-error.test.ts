import { describe, expect, it } from "vitest";
import { api, createAccount, env, expectEnvelope } from "../../helpers/harness";

// In its own file: it renames a table (storage is per test file).
describe("a first request that failed with a 5xx", () => {
  it("is not stored: the same key may be retried and then runs", async () => {
    const acct = await createAccount();
    const key = crypto.randomUUID();
    const json = { url: "https://shop.example.com/hooks/drape" };
    await env.DB.exec("ALTER TABLE webhook_endpoints RENAME TO webhook_endpoints_away");
    await expectEnvelope(await api(acct, "/webhooks", { method: "POST", json, headers: { "idempotency-key": key } }), 500, "INTERNAL_ERROR");
    await env.DB.exec("ALTER TABLE webhook_endpoints_away RENAME TO webhook_endpoints");
    const retry = await api(acct, "/webhooks", { method: "POST", json, headers: { "idempotency-key": key } });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    const replay = await api(acct, "/webhooks", { method: "POST", json, headers: { "idempotency-key": key } });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
  });
});
