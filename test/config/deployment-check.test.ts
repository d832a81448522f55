import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src";
import { findDeploymentProblems } from "../../src/config/deployment-check";
import { readAtRestKeySettings } from "../../src/lib/at-rest-keys";
import { base64Encode } from "../../src/lib/base64";
import { randomKey, TEST_KEY } from "../helpers/at-rest-keys";
import { callWithEnv, expectEnvelope } from "../helpers/harness";

afterEach(() => {
  vi.restoreAllMocks();
});

const randomText = (n: number) => base64Encode(crypto.getRandomValues(new Uint8Array(n))).slice(0, n);

/** A deployment as the deploy steps of docs/deployment.md leave it: every check passes. */
function production(overrides: Record<string, string | undefined> = {}): Env {
  const vars: Record<string, unknown> = {
    ...env,
    ENVIRONMENT: "production",
    PUBLIC_BASE_URL: "https://drape.example.com",
    ADMIN_TOKEN: randomText(40),
    FILE_SIGNING_SECRET: randomText(43),
    AT_REST_KEY: randomKey(),
    ALLOW_LOOPBACK_FETCH: "false",
    EMAIL_FROM: "no-reply@drape.example.com",
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete vars[k];
    else vars[k] = v;
  }
  return vars as unknown as Env;
}

const names = (e: Env) => findDeploymentProblems(e).map((p) => p.name);

describe("deployment check (unit)", () => {
  it("a correctly configured production deployment has no problem", () => {
    expect(findDeploymentProblems(production())).toEqual([]);
  });

  it("PUBLIC_BASE_URL: unset, loopback, private or plain http is refused in production", () => {
    expect(names(production({ PUBLIC_BASE_URL: undefined }))).toEqual(["PUBLIC_BASE_URL"]);
    expect(names(production({ PUBLIC_BASE_URL: "" }))).toEqual(["PUBLIC_BASE_URL"]);
    for (const url of [
      "http://localhost:8787",
      "https://localhost",
      "https://127.0.0.1",
      "https://[::1]:8443",
      "https://api.localhost",
      "https://10.0.0.5",
      "https://drape",
    ]) {
      expect(names(production({ PUBLIC_BASE_URL: url })), url).toEqual(["PUBLIC_BASE_URL"]);
    }
    expect(findDeploymentProblems(production({ PUBLIC_BASE_URL: "http://drape.example.com" }))).toEqual([
      { name: "PUBLIC_BASE_URL", problem: "must be an https origin" },
    ]);
    expect(findDeploymentProblems(production({ PUBLIC_BASE_URL: undefined }))[0]?.problem).toMatch(/not set.*localhost/);
  });

  it("ADMIN_TOKEN and FILE_SIGNING_SECRET: missing, under 32 characters, or the published placeholder are refused", () => {
    expect(names(production({ ADMIN_TOKEN: undefined }))).toEqual(["ADMIN_TOKEN"]);
    expect(names(production({ ADMIN_TOKEN: randomText(31) }))).toEqual(["ADMIN_TOKEN"]);
    expect(names(production({ ADMIN_TOKEN: "change-me-to-a-long-random-string" }))).toEqual(["ADMIN_TOKEN"]);
    expect(names(production({ ADMIN_TOKEN: "a".repeat(64) }))).toEqual(["ADMIN_TOKEN"]);
    expect(names(production({ FILE_SIGNING_SECRET: "short" }))).toEqual(["FILE_SIGNING_SECRET"]);
    expect(names(production({ ADMIN_TOKEN: randomText(32) }))).toEqual([]);
  });

  it("the at-rest key: missing, not 32 bytes, all-equal bytes, text, or the example values are refused", () => {
    const allEqual = base64Encode(new Uint8Array(32).fill(7));
    const text = base64Encode(new TextEncoder().encode("correct horse battery staple!!!!"));
    for (const bad of [base64Encode(new Uint8Array(16).fill(1)), "base64-of-32-random-bytes", allEqual, text, TEST_KEY]) {
      expect(names(production({ AT_REST_KEY: bad })), bad).toEqual(["AT_REST_KEY"]);
    }
    expect(names(production({ AT_REST_KEY: undefined }))).toEqual(["AT_REST_KEY"]);
    expect(names(production({ AT_REST_KEY_PREVIOUS: "c2hvcnQ=" }))).toEqual(["AT_REST_KEY_PREVIOUS"]);
    expect(names(production({ AT_REST_KEY_PREVIOUS: `${randomKey()},${randomKey()}` }))).toEqual([]);
  });

  it("the former name WEBHOOK_ENCRYPTION_KEY is still accepted, and checked the same way", () => {
    const k = randomKey();
    expect(findDeploymentProblems(production({ AT_REST_KEY: undefined, WEBHOOK_ENCRYPTION_KEY: k }))).toEqual([]);
    expect(names(production({ AT_REST_KEY: undefined, WEBHOOK_ENCRYPTION_KEY: "c2hvcnQ=" }))).toEqual(["WEBHOOK_ENCRYPTION_KEY"]);
    expect(readAtRestKeySettings({ WEBHOOK_ENCRYPTION_KEY: k })).toEqual({ current: { name: "WEBHOOK_ENCRYPTION_KEY", value: k }, previous: [] });
    // Both set and different: the new name seals, the old one still opens (a rename and a rotation in one step).
    const n = randomKey();
    expect(readAtRestKeySettings({ AT_REST_KEY: n, WEBHOOK_ENCRYPTION_KEY: k, AT_REST_KEY_PREVIOUS: "" })).toEqual({
      current: { name: "AT_REST_KEY", value: n },
      previous: [{ name: "WEBHOOK_ENCRYPTION_KEY", value: k }],
    });
  });

  it("ALLOW_LOOPBACK_FETCH=true and invalid vars are refused", () => {
    expect(names(production({ ALLOW_LOOPBACK_FETCH: "true" }))).toEqual(["ALLOW_LOOPBACK_FETCH"]);
    expect(names(production({ ENGINE_DEFAULT: "warp-drive" }))).toEqual(["ENGINE_DEFAULT"]);
  });

  it("dashboard email: the dev outbox, a missing EMAIL binding or a missing EMAIL_FROM is refused in production", () => {
    expect(names(production({ EMAIL_SENDER: "outbox" }))).toEqual(["EMAIL_SENDER"]);
    expect(names(production({ EMAIL_FROM: undefined }))).toEqual(["EMAIL_FROM"]);
    expect(names(production({ EMAIL_FROM: "not an address" }))).toEqual(["EMAIL_FROM"]);
    const noBinding = production();
    delete (noBinding as unknown as Record<string, unknown>).EMAIL;
    expect(names(noBinding)).toEqual(["EMAIL"]);
    expect(names(production({ EMAIL_SENDER: "cloudflare" }))).toEqual([]);
    // Locally the outbox is the default and needs neither.
    expect(names(production({ ENVIRONMENT: "development", EMAIL_FROM: undefined, PUBLIC_BASE_URL: "http://localhost:8787" }))).toEqual([]);
  });

  it("any ENVIRONMENT but development/test is a deployment; locally only unusable secrets are refused", () => {
    const local = { PUBLIC_BASE_URL: "http://localhost:8787", ADMIN_TOKEN: "dev", ALLOW_LOOPBACK_FETCH: "true" };
    expect(names(production({ ...local, ENVIRONMENT: "staging" }))).toEqual(["ADMIN_TOKEN", "PUBLIC_BASE_URL", "ALLOW_LOOPBACK_FETCH"]);
    expect(names(production({ ...local, ENVIRONMENT: undefined }))).toEqual(["ADMIN_TOKEN", "PUBLIC_BASE_URL", "ALLOW_LOOPBACK_FETCH"]);
    expect(findDeploymentProblems(production({ ...local, ENVIRONMENT: "development" }))).toEqual([]);
    expect(names(production({ ...local, ENVIRONMENT: "development", AT_REST_KEY: "c2hvcnQ=" }))).toEqual(["AT_REST_KEY"]);
    expect(names(production({ ...local, ENVIRONMENT: "test", ADMIN_TOKEN: undefined }))).toEqual(["ADMIN_TOKEN"]);
  });

  it("no problem message ever contains the value at fault", () => {
    const secrets = { ADMIN_TOKEN: "tiny-admin", FILE_SIGNING_SECRET: "tiny-sign", AT_REST_KEY: "c2hvcnRrZXk=", PUBLIC_BASE_URL: "http://127.0.0.1:9999" };
    const text = JSON.stringify(findDeploymentProblems(production(secrets)));
    for (const v of Object.values(secrets)) expect(text).not.toContain(v);
  });
});

describe("a misconfigured deployment refuses to serve (through the Worker entry)", () => {
  const bad = () => production({ PUBLIC_BASE_URL: undefined, ADMIN_TOKEN: "short-admin-token" });

  it("every route, /healthz included, answers 503 SERVICE_MISCONFIGURED naming the settings; one log line, no secret", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const e = bad();
    for (const [path, init] of [
      ["/healthz", {}],
      ["/tryon/v1/account", { headers: { "x-api-key": "dr_live_whatever" } }],
      ["/admin/v1/accounts", { headers: { authorization: "Bearer short-admin-token" } }],
      ["/tryon/v1/docs", {}],
    ] as const) {
      const res = await callWithEnv(e, `https://drape.example.com${path}`, init);
      expect(res.headers.get("retry-after")).toBe("300");
      const body = await expectEnvelope(res, 503, "SERVICE_MISCONFIGURED");
      expect(body.requestId).toMatch(/^req_/);
      expect((body.details ?? []).map((d) => d.path)).toEqual(["ADMIN_TOKEN", "PUBLIC_BASE_URL"]);
      expect(JSON.stringify(body)).not.toContain("short-admin-token");
    }
    const lines = logged.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("deployment misconfigured"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("PUBLIC_BASE_URL");
    expect(lines[0]).toContain("ADMIN_TOKEN");
    expect(lines[0]).not.toContain("short-admin-token");
  });

  it("a correctly configured production deployment serves", async () => {
    const res = await callWithEnv(production(), "https://drape.example.com/healthz");
    expect(res.status).toBe(200);
  });

  it("queue messages wait (retried later, nothing processed) and the cron does nothing", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const batch = createMessageBatch("drape-generations", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { generationId: "gen_x", accountId: "acc_x" } },
    ]);
    const retryAll = vi.spyOn(batch, "retryAll");
    const ctx = createExecutionContext();
    await worker.queue(batch, bad(), ctx);
    const result = await getQueueResult(batch, ctx);
    expect(retryAll).toHaveBeenCalledWith({ delaySeconds: 300 });
    expect(result.retryBatch.retry).toBe(true);
    expect(result.explicitAcks).toEqual([]);

    const runCron = async (e: Env) => {
      const cronCtx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), e, cronCtx);
      await waitOnExecutionContext(cronCtx);
    };
    const queries = vi.spyOn(env.DB, "prepare");
    await runCron(bad());
    expect(queries).not.toHaveBeenCalled();
    await runCron(production()); // the same sweep on a sound deployment does query D1
    expect(queries).toHaveBeenCalled();
  });
});
