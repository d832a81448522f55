import { describe, expect, it, vi } from "vitest";
import { AccountViewSchema } from "../../src/schemas/account";
import { AccountListSchema, ApiKeyListSchema, ApiKeySchema } from "../../src/schemas/admin";
import { ErrorCatalogSchema, HealthSchema } from "../../src/schemas/meta";
import { admin, api, call, createAccount, env, expectEnvelope, readWire } from "../helpers/harness";

describe("envelope on every non-2xx", () => {
  it("healthz is public and carries a request id", async () => {
    const res = await call("/healthz");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    expect(await readWire(res, HealthSchema)).toMatchObject({ status: "ok" });
  });

  it("echoes a sane inbound request id and replaces an insane one", async () => {
    const ok = await call("/healthz", { headers: { "x-request-id": "abc-123" } });
    expect(ok.headers.get("x-request-id")).toBe("abc-123");
    const bad = await call("/healthz", { headers: { "x-request-id": "<script>" } });
    expect(bad.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("unknown route → ROUTE_NOT_FOUND, also under /tryon/v1 without a key", async () => {
    await expectEnvelope(await call("/nope"), 404, "ROUTE_NOT_FOUND");
    await expectEnvelope(await call("/tryon/v1/nope"), 404, "ROUTE_NOT_FOUND");
    await expectEnvelope(await call("/admin/v1/nope"), 404, "ROUTE_NOT_FOUND");
  });

  it("wrong method → METHOD_NOT_ALLOWED with Allow", async () => {
    const res = await call("/tryon/v1/errors", { method: "DELETE" });
    await expectEnvelope(res, 405, "METHOD_NOT_ALLOWED");
    expect(res.headers.get("allow")).toContain("GET");
    const res2 = await call("/admin/v1/accounts", { method: "PUT" });
    await expectEnvelope(res2, 405, "METHOD_NOT_ALLOWED");
    expect(res2.headers.get("allow")).toBe("GET, HEAD, POST");
  });

  it('malformed JSON → VALIDATION_FAILED with a detail at path ""', async () => {
    const res = await admin("/admin/v1/accounts", { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    const env1 = await expectEnvelope(res, 400, "VALIDATION_FAILED");
    expect(env1.details).toEqual([{ path: "", message: expect.any(String) }]);
  });

  it("schema failure → VALIDATION_FAILED with dotted paths", async () => {
    const res = await admin("/admin/v1/accounts", { method: "POST", json: { name: 42, retentionDays: 5 } });
    const body = await expectEnvelope(res, 400, "VALIDATION_FAILED");
    const paths = (body.details as { path: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(["name", "retentionDays"]);
  });

  it("JSON over 1 MB → PAYLOAD_TOO_LARGE, by header and by stream", async () => {
    const big = JSON.stringify({ name: "x".repeat(1024 * 1024 + 10) });
    await expectEnvelope(
      await admin("/admin/v1/accounts", { method: "POST", headers: { "content-type": "application/json" }, body: big }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 2 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await admin("/admin/v1/accounts", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    await expectEnvelope(res, 413, "PAYLOAD_TOO_LARGE");
  });

  it("wrong content type → UNSUPPORTED_MEDIA_TYPE", async () => {
    const res = await admin("/admin/v1/accounts", { method: "POST", headers: { "content-type": "text/plain" }, body: "name=x" });
    await expectEnvelope(res, 415, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("the error catalog is served as JSON", async () => {
    const res = await call("/tryon/v1/errors");
    expect(res.status).toBe(200);
    const body = await readWire(res, ErrorCatalogSchema);
    const byCode = Object.fromEntries(body.errors.map((e) => [e.code, e]));
    expect(byCode.INSUFFICIENT_CREDITS).toMatchObject({ status: 402, retryable: "after-top-up" });
    expect(byCode.RATE_LIMITED).toMatchObject({ status: 429, retryable: "yes" });
    expect(body.errors.length).toBeGreaterThan(40);
  });
});

describe("API keys and the operator API", () => {
  it("operator routes need the admin token", async () => {
    await expectEnvelope(await call("/admin/v1/accounts"), 401, "MISSING_API_KEY");
    await expectEnvelope(await call("/admin/v1/accounts", { headers: { authorization: "Bearer wrong-token-wrong-token" } }), 401, "INVALID_API_KEY");
  });

  it("key lifecycle: issue → both headers work → revoke → INVALID_API_KEY", async () => {
    const acct = await createAccount();
    expect(acct.key).toMatch(/^dr_live_[0-9A-Za-z]{32}$/);
    const viaHeader = await api(acct, "/account");
    expect(viaHeader.status).toBe(200);
    expect(await readWire(viaHeader, AccountViewSchema)).toMatchObject({ accountId: acct.accountId, keyId: acct.keyId });
    const viaBearer = await call("/tryon/v1/account", { headers: { authorization: `Bearer ${acct.key}` } });
    expect(viaBearer.status).toBe(200);

    const revoke = await admin(`/admin/v1/accounts/${acct.accountId}/keys/${acct.keyId}/revoke`, { method: "POST" });
    expect(revoke.status).toBe(200);
    expect((await readWire(revoke, ApiKeySchema)).revokedAt).not.toBeNull();
    await expectEnvelope(await api(acct, "/account"), 401, "INVALID_API_KEY");
  });

  it("missing, malformed and unknown keys", async () => {
    await expectEnvelope(await call("/tryon/v1/account"), 401, "MISSING_API_KEY");
    await expectEnvelope(await call("/tryon/v1/account", { headers: { "x-api-key": "nope" } }), 401, "INVALID_API_KEY");
    await expectEnvelope(await call("/tryon/v1/account", { headers: { "x-api-key": `dr_live_${"a".repeat(32)}` } }), 401, "INVALID_API_KEY");
  });

  it("a disabled account's keys are rejected", async () => {
    const acct = await createAccount();
    expect((await api(acct, "/account")).status).toBe(200);
    const res = await admin(`/admin/v1/accounts/${acct.accountId}`, { method: "PATCH", json: { status: "disabled" } });
    expect(res.status).toBe(200);
    await expectEnvelope(await api(acct, "/account"), 401, "INVALID_API_KEY");
  });

  it("stored key rows hold a hash and a display prefix, never the plaintext", async () => {
    const acct = await createAccount();
    const row = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(acct.keyId).first<Record<string, unknown>>();
    expect(row).not.toBeNull();
    const serialized = JSON.stringify(row);
    expect(serialized).not.toContain(acct.key);
    expect(serialized).not.toContain(acct.key.slice(8));
    expect(row?.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.display_prefix).toBe(`${acct.key.slice(0, 12)}…`);
    const list = await admin(`/admin/v1/accounts/${acct.accountId}/keys`);
    expect(JSON.stringify(await readWire(list, ApiKeyListSchema))).not.toContain(acct.key);
  });

  it("accounts list paginates with a cursor", async () => {
    for (let i = 0; i < 3; i++) await createAccount({ name: `page-${i}` });
    const first = await readWire(await admin("/admin/v1/accounts?limit=2"), AccountListSchema);
    expect(first.items).toHaveLength(2);
    expect(first.hasMore).toBe(true);
    const second = await readWire(await admin(`/admin/v1/accounts?limit=2&cursor=${first.nextCursor}`), AccountListSchema);
    expect(String(second.items[0]?.id) < String(first.items[1]?.id)).toBe(true);
  });
});

describe("the per-isolate auth cache", () => {
  it("a hot authenticated request costs no D1 query for auth", async () => {
    const acct = await createAccount();
    expect((await api(acct, "/account")).status).toBe(200);
    const prepare = vi.spyOn(env.DB, "prepare");
    try {
      expect((await api(acct, "/account")).status).toBe(200);
      const sql = prepare.mock.calls.map((c) => String(c[0]));
      // The spy does see this request's queries (the account read)…
      expect(sql.some((q) => q.includes('"accounts"'))).toBe(true);
      // …but none for the key lookup.
      expect(sql.filter((q) => q.includes("api_keys"))).toEqual([]);
    } finally {
      prepare.mockRestore();
    }
  });
});

describe("operator edge cases", () => {
  it("an empty key patch answers the key unchanged (no 500)", async () => {
    const acct = await createAccount();
    const res = await admin(`/admin/v1/accounts/${acct.accountId}/keys/${acct.keyId}`, { method: "PATCH", json: {} });
    expect(res.status).toBe(200);
    expect(await readWire(res, ApiKeySchema)).toMatchObject({ id: acct.keyId, name: "test" });
    await expectEnvelope(await admin(`/admin/v1/accounts/${acct.accountId}/keys/key_nope`, { method: "PATCH", json: {} }), 404, "API_KEY_NOT_FOUND");
  });
});
