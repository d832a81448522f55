import { afterEach, describe, expect, it, vi } from "vitest";
import { EngineBreakerListSchema } from "../../../src/schemas/engines";
import { GenerationSchema } from "../../../src/schemas/generations";
import { HealthSchema } from "../../../src/schemas/meta";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { admin, api, call, readWire, type TestAccount } from "../../helpers/harness";
import { blankPng, driveToEnd, fundedAccount, registerProduct, tryOn, uploadPerson, usePipelineQueues } from "../../helpers/pipeline";

const queue = usePipelineQueues();

/** Three outages open FASHN's breaker: exactly the retries one generation makes. */
const VARS = {
  FASHN_API_KEY: "fa-test-key",
  FASHN_BASE_URL: "https://fashn.example.com",
  ENGINE_BREAKER_THRESHOLD: "3",
  ENGINE_BREAKER_COOLDOWN_SECONDS: "60",
};

let upstreamUp = false;
let calls = 0;

/** FASHN through fetch: down (503) or up (accepts, then completes on the first status poll). Counts every call. */
function mockFashn(): void {
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = new URL(new Request(input, init).url);
    if (url.hostname !== "fashn.example.com") return new Response("unexpected", { status: 599 });
    calls++;
    if (!upstreamUp) return new Response("down", { status: 503 });
    if (url.pathname === "/v1/run") return Response.json({ id: `job-${crypto.randomUUID()}`, error: null });
    const png = await blankPng();
    return Response.json({ id: "j", status: "completed", output: [`data:image/png;base64,${btoa(String.fromCharCode(...png))}`], error: null });
  });
}

async function generate(acct: TestAccount, body: unknown) {
  const res = await tryOn(acct, body);
  expect(res.status, await res.clone().text()).toBe(202);
  const { generationId } = await readWire(res, TryOnAcceptedSchema);
  await driveToEnd(queue, generationId, VARS);
  return readWire(await api(acct, `/generations/${generationId}`), GenerationSchema);
}

async function fashnBreaker(path = "/admin/v1/engines") {
  const res = await admin(path);
  expect(res.status).toBe(200);
  return (await readWire(res, EngineBreakerListSchema)).items.find((b) => b.engine === "fashn");
}

afterEach(async () => {
  await admin("/admin/v1/engines/fashn/reset", { method: "POST" });
});

describe("the per-engine circuit breaker", () => {
  it("opens after N outages (the next generation skips FASHN without a call), then a probe after the cool-down closes it", async () => {
    const acct = await fundedAccount(10);
    await admin(`/admin/v1/accounts/${acct.accountId}`, { method: "PATCH", json: { engines: ["fashn", "composite"] } });
    const person = await uploadPerson(acct);
    await registerProduct(acct, "tee");
    const body = { products: [{ externalId: "tee" }], person: { image: { source: { id: person } } } };
    mockFashn();
    upstreamUp = false;
    calls = 0;

    const first = await generate(acct, body);
    expect(first).toMatchObject({ status: "COMPLETED", engine: "composite" });
    expect(calls).toBe(3);
    const open = await fashnBreaker();
    expect(open).toMatchObject({ state: "open", consecutiveFailures: 3 });
    const openedAt = Date.parse(open?.openedAt ?? "");
    expect(Date.parse(open?.reopensAt ?? "") - openedAt).toBe(60_000);

    // Visible on the deep health check; plain /healthz stays bare.
    const deep = await readWire(await call("/healthz?deep=1"), HealthSchema);
    expect(deep.engines?.find((e) => e.engine === "fashn")).toMatchObject({ state: "open", consecutiveFailures: 3 });
    expect(deep.engines?.find((e) => e.engine === "composite")).toMatchObject({ state: "closed" });
    expect(await (await call("/healthz")).json()).not.toHaveProperty("engines");

    // Open: FASHN is skipped with no upstream call at all.
    const second = await generate(acct, body);
    expect(second).toMatchObject({ status: "COMPLETED", engine: "composite" });
    expect(second.engineAttempts?.map((a) => [a.engine, a.outcome, a.durationMs])).toEqual([
      ["fashn", "skipped", 0],
      ["composite", "completed", expect.any(Number)],
    ]);
    expect(calls).toBe(3);

    // After the cool-down (the clock moved 61 s), FASHN is up again: one probe goes through and closes the breaker.
    const realNow = Date.now;
    vi.spyOn(Date, "now").mockImplementation(() => realNow() + 61_000);
    expect(await fashnBreaker()).toMatchObject({ state: "half-open" });
    upstreamUp = true;
    const third = await generate(acct, body);
    expect(third).toMatchObject({ status: "COMPLETED", engine: "fashn" });
    expect(third).not.toHaveProperty("engineAttempts"); // one engine took part
    expect(calls).toBeGreaterThan(3);
    expect(await fashnBreaker()).toEqual({ engine: "fashn", state: "closed", consecutiveFailures: 0, openedAt: null, reopensAt: null });
  });

  it("a failed probe reopens at once for another cool-down; only one probe is admitted at a time", async () => {
    const { engineBreaker } = await import("../../../src/durable/engine-breaker");
    const { env } = await import("../../helpers/pipeline");
    const t0 = Date.now();
    const rule = (at: number) => ({ threshold: 2, cooldownMs: 10_000, at });
    const b = engineBreaker(env, "fashn");
    await b.reset(rule(t0));
    expect((await b.report(false, rule(t0))).state).toBe("closed");
    expect((await b.report(false, rule(t0 + 1))).state).toBe("open");
    expect((await b.admit(rule(t0 + 5_000))).allowed).toBe(false);
    const [p1, p2] = await Promise.all([b.admit(rule(t0 + 10_001)), b.admit(rule(t0 + 10_002))]);
    expect([p1.allowed, p2.allowed].sort()).toEqual([false, true]);
    const reopened = await b.report(false, rule(t0 + 10_500));
    expect(reopened).toMatchObject({ state: "open", consecutiveFailures: 3, openedAt: t0 + 10_500, reopensAt: t0 + 20_500 });
    expect((await b.admit(rule(t0 + 15_000))).allowed).toBe(false);
    // A probe that never reports (its consumer died) is replaced after another cool-down.
    expect((await b.admit(rule(t0 + 20_500))).allowed).toBe(true);
    expect((await b.admit(rule(t0 + 21_000))).allowed).toBe(false);
    expect((await b.admit(rule(t0 + 30_600))).allowed).toBe(true);
    expect(await b.report(true, rule(t0 + 30_700))).toEqual({ state: "closed", consecutiveFailures: 0, openedAt: null, reopensAt: null });
  });

  it("operator reset closes it; an unknown engine is a 400 envelope", async () => {
    const { engineBreaker } = await import("../../../src/durable/engine-breaker");
    const { env } = await import("../../helpers/pipeline");
    const rule = { threshold: 1, cooldownMs: 60_000, at: Date.now() };
    await engineBreaker(env, "fashn").report(false, rule);
    expect(await fashnBreaker()).toMatchObject({ state: "open", consecutiveFailures: 1 });
    const res = await admin("/admin/v1/engines/fashn/reset", { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ engine: "fashn", state: "closed", consecutiveFailures: 0, openedAt: null, reopensAt: null });
    const bad = await admin("/admin/v1/engines/dall-e/reset", { method: "POST" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "VALIDATION_FAILED", status: 400 });
    expect((await call("/admin/v1/engines")).status).toBe(401);
  });
});
