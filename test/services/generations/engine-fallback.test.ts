import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { EngineName } from "../../../src/config";
import { engineBreaker } from "../../../src/durable/engine-breaker";
import { createEngine, type Engine, type EngineResult } from "../../../src/engines";
import { GenerationSchema } from "../../../src/schemas/generations";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { processGenerationMessage } from "../../../src/services/generations";
import { admin, api, readWire, type TestAccount } from "../../helpers/harness";
import {
  blankPng,
  driveToEnd,
  env,
  fundedAccount,
  garmentPng,
  genRow,
  registerProduct,
  runConsumer,
  runCron,
  tryOn,
  uploadPerson,
  usePipelineQueues,
} from "../../helpers/pipeline";
import { testContext } from "../../helpers/service-context";
import { expectLedgerBalances } from "../credits/helpers";

const queue = usePipelineQueues();

/** The breaker stays out of the way here (its own tests are in test/services/engines/); FASHN has a key and an origin. */
const VARS = { FASHN_API_KEY: "fa-test-key", FASHN_BASE_URL: "https://fashn.example.com", ENGINE_BREAKER_THRESHOLD: "1000" };

interface Upstream {
  runs: number;
  statuses: number;
}

/** FASHN's API as seen through fetch: `mode` decides what /v1/run and /v1/status answer. Counts the calls. */
function fashnUpstream(mode: "down" | "nsfw" | "ok"): Upstream {
  const calls: Upstream = { runs: 0, statuses: 0 };
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = new URL(new Request(input, init).url);
    if (url.hostname !== "fashn.example.com") return new Response("unexpected", { status: 599 });
    if (url.pathname === "/v1/run") {
      calls.runs++;
      if (mode === "down") return new Response("upstream down", { status: 503 });
      return Response.json({ id: `job-${crypto.randomUUID()}`, error: null });
    }
    if (url.pathname.startsWith("/v1/status/")) {
      calls.statuses++;
      if (mode === "nsfw") return Response.json({ id: "j", status: "failed", output: null, error: { name: "NSFWError", message: "blocked" } });
      const png = await blankPng();
      return Response.json({ id: "j", status: "completed", output: [`data:image/png;base64,${btoa(String.fromCharCode(...png))}`], error: null });
    }
    return new Response("not found", { status: 404 });
  });
  return calls;
}

/** An account whose engine list is `engines`, with a person photo and a product ready. */
async function accountWith(engines: EngineName[]): Promise<{ acct: TestAccount; body: unknown }> {
  const acct = await fundedAccount(10);
  const res = await admin(`/admin/v1/accounts/${acct.accountId}`, { method: "PATCH", json: { engines } });
  expect(res.status, await res.clone().text()).toBe(200);
  const person = await uploadPerson(acct);
  await registerProduct(acct, "tee");
  return { acct, body: { products: [{ externalId: "tee" }], person: { image: { source: { id: person } } } } };
}

/** Runs a generation to its end (VARS unless the test says otherwise). */
const drive = (generationId: string, vars: Record<string, string> = VARS) => driveToEnd(queue, generationId, vars);

async function accept(acct: TestAccount, body: unknown): Promise<string> {
  const res = await tryOn(acct, body);
  expect(res.status, await res.clone().text()).toBe(202);
  return (await readWire(res, TryOnAcceptedSchema)).generationId;
}

async function view(acct: TestAccount, id: string) {
  return readWire(await api(acct, `/generations/${id}`), GenerationSchema);
}

async function attemptsOf(id: string): Promise<Array<Record<string, unknown>>> {
  const row = await env.DB.prepare("SELECT engine_attempts FROM generations WHERE id = ?").bind(id).first<{ engine_attempts: string | null }>();
  return JSON.parse(row?.engine_attempts ?? "[]");
}

describe("fallback across an account's engine list", () => {
  it("FASHN down (503 on every call) → its retries run out → composite takes over: COMPLETED, one credit spent", async () => {
    const { acct, body } = await accountWith(["fashn", "composite"]);
    const upstream = fashnUpstream("down");
    const before = await expectLedgerBalances(acct.accountId);
    const id = await accept(acct, body);
    await drive(id);

    const v = await view(acct, id);
    expect(v).toMatchObject({ status: "COMPLETED", engine: "composite" });
    expect(v.engineAttempts).toEqual([
      { engine: "fashn", outcome: "unavailable", code: "ENGINE_UNAVAILABLE", durationMs: expect.any(Number) },
      { engine: "composite", outcome: "completed", durationMs: expect.any(Number) },
    ]);
    // Upstream cost is the operator's business: the integrator's view carries none.
    expect(JSON.stringify(v.engineAttempts)).not.toContain("cost");
    expect(upstream.runs).toBe(3);
    const row = await genRow(id);
    expect(row.credit_state).toBe("committed");
    expect(await env.BUCKET.head(row.result_r2_key ?? "")).not.toBeNull();
    // Same generation, same credit: exactly one spent, none held.
    const after = await expectLedgerBalances(acct.accountId);
    expect(after.balance - before.balance).toBe(-1);
    expect(after.spent - before.spent).toBe(1);
    expect(after.reserved).toBe(0);
  });

  it("an engine without credentials (ENGINE_UNAVAILABLE at once) falls through without retries", async () => {
    const { acct, body } = await accountWith(["fashn", "composite"]);
    const upstream = fashnUpstream("ok");
    const id = await accept(acct, body);
    await drive(id, { ...VARS, FASHN_API_KEY: "" });
    expect(await view(acct, id)).toMatchObject({ status: "COMPLETED", engine: "composite" });
    expect(upstream.runs).toBe(0);
    expect((await attemptsOf(id)).map((a) => [a.engine, a.outcome])).toEqual([
      ["fashn", "unavailable"],
      ["composite", "completed"],
    ]);
  });

  it('offline, ["workers-ai", "mock"] completes on mock: Workers AI has no local simulator, so its attempt is recorded unavailable', async () => {
    const { acct, body } = await accountWith(["workers-ai", "mock"]);
    const before = await expectLedgerBalances(acct.accountId);
    const id = await accept(acct, body);
    await drive(id);
    const v = await view(acct, id);
    expect(v).toMatchObject({ status: "COMPLETED", engine: "mock" });
    expect(v.engineAttempts).toEqual([
      { engine: "workers-ai", outcome: "unavailable", code: "ENGINE_UNAVAILABLE", durationMs: expect.any(Number) },
      { engine: "mock", outcome: "completed", durationMs: expect.any(Number) },
    ]);
    const row = await genRow(id);
    expect(await env.BUCKET.head(row.result_r2_key ?? "")).not.toBeNull();
    const after = await expectLedgerBalances(acct.accountId);
    expect(after.balance - before.balance).toBe(-1);
    expect(after.reserved).toBe(0);
  });

  it("every engine unavailable → FAILED ENGINE_UNAVAILABLE once, the credit refunded once (net 0)", async () => {
    const { acct, body } = await accountWith(["fashn", "composite"]);
    fashnUpstream("down");
    // composite's breaker is open: it is skipped without a call.
    const rule = { threshold: 1, cooldownMs: 3_600_000, at: Date.now() };
    await engineBreaker(env, "composite").report(false, rule);
    try {
      const before = await expectLedgerBalances(acct.accountId);
      const id = await accept(acct, body);
      await drive(id);
      const v = await view(acct, id);
      expect(v).toMatchObject({ status: "FAILED", errorCode: "ENGINE_UNAVAILABLE", retryable: true });
      expect(v.engineAttempts?.map((a) => [a.engine, a.outcome])).toEqual([
        ["fashn", "unavailable"],
        ["composite", "skipped"],
      ]);
      const row = await genRow(id);
      expect(row.credit_state).toBe("refunded");
      expect(row.event_emitted_at).not.toBeNull();
      const after = await expectLedgerBalances(acct.accountId);
      expect(after.balance).toBe(before.balance);
      expect(after.spent).toBe(before.spent);
      expect(after.reserved).toBe(0);
    } finally {
      await engineBreaker(env, "composite").reset(rule);
    }
  });

  it("a typed content failure (NSFW) is the answer: no fall-through, refunded", async () => {
    const { acct, body } = await accountWith(["fashn", "composite"]);
    const upstream = fashnUpstream("nsfw");
    const before = await expectLedgerBalances(acct.accountId);
    const id = await accept(acct, body);
    await drive(id);
    const v = await view(acct, id);
    expect(v).toMatchObject({ status: "FAILED", errorCode: "NSFW_CONTENT_BLOCKED", engine: "fashn" });
    // One engine took part: the API's object keeps Genlook's shape (no engineAttempts); the row records it.
    expect(v).not.toHaveProperty("engineAttempts");
    expect((await attemptsOf(id)).map((a) => [a.engine, a.outcome, a.code])).toEqual([["fashn", "failed", "NSFW_CONTENT_BLOCKED"]]);
    expect(upstream.runs).toBe(1);
    expect((await expectLedgerBalances(acct.accountId)).balance).toBe(before.balance);
  });
});

describe("a superseded engine's late answer and duplicate messages", () => {
  let gates: Array<() => void>;
  beforeEach(() => {
    gates = [];
  });
  afterEach(() => {
    for (const open of gates) open();
  });

  /** An engine that waits for the test to let it answer `result`. */
  function heldEngine(name: Engine["name"], result: () => Promise<EngineResult>): { engine: Engine; started: Promise<void>; release: () => void } {
    let release = () => {};
    let markStarted = () => {};
    const started = new Promise<void>((r) => (markStarted = r));
    const gate = new Promise<void>((r) => (release = r));
    gates.push(release);
    return {
      engine: {
        name,
        run: async () => {
          markStarted();
          await gate;
          return result();
        },
      },
      started,
      release,
    };
  }

  const pngResult = async (bytes: Uint8Array): Promise<EngineResult> => ({
    kind: "completed",
    bytes,
    contentType: "image/png",
    format: "png",
    width: 400,
    height: 400,
  });

  it("FASHN's slow first run answers after composite took over: discarded; composite's bytes win; one terminal transition", async () => {
    const { acct, body } = await accountWith(["fashn", "composite"]);
    const before = await expectLedgerBalances(acct.accountId);
    const id = await accept(acct, body);
    const first = queue.messages.find((m) => m.generationId === id);
    const { ctx } = testContext({ ENGINE_BREAKER_THRESHOLD: 1000 });
    const fashnBytes = await blankPng();
    const compositeBytes = await garmentPng();

    // Delivery 1 of FASHN hangs; deliveries 2 and 3 (the queue's redeliveries) answer transient trouble.
    const slowFashn = heldEngine("fashn", () => pngResult(fashnBytes));
    let fashnCalls = 0;
    const slowComposite = heldEngine("composite", () => pngResult(compositeBytes));
    const deps = {
      createEngine: (name: EngineName): Engine => {
        if (name === "fashn") {
          fashnCalls++;
          return fashnCalls === 1 ? slowFashn.engine : { name: "fashn", run: async () => ({ kind: "retry", message: "503 (test)" }) };
        }
        return slowComposite.engine;
      },
    };
    const hung = processGenerationMessage(ctx, first, 1, deps);
    await slowFashn.started;
    expect(await processGenerationMessage(ctx, first, 2, deps)).toMatchObject({ action: "retry" });
    expect(await processGenerationMessage(ctx, first, 3, deps)).toMatchObject({ action: "ack" });
    const handOver = queue.messages.filter((m) => m.generationId === id).at(-1);
    expect(handOver).toMatchObject({ generationId: id, hop: 1 });
    expect((await genRow(id)).engine).toBe("composite");

    const running = processGenerationMessage(ctx, handOver, 1, deps);
    await slowComposite.started;
    // The superseded engine answers while the next one runs: its result must not complete the generation.
    slowFashn.release();
    expect(await hung).toMatchObject({ action: "ack", note: "late result discarded" });
    expect((await genRow(id)).status).toBe("PROCESSING");
    slowComposite.release();
    expect(await running).toMatchObject({ action: "ack", note: "completed" });

    const row = await genRow(id);
    expect(row).toMatchObject({ status: "COMPLETED", engine: "composite", credit_state: "committed" });
    const stored = await env.BUCKET.get(row.result_r2_key ?? "");
    expect(new Uint8Array(await (stored?.arrayBuffer() ?? new ArrayBuffer(0)))).toEqual(compositeBytes);
    expect((await attemptsOf(id)).map((a) => [a.engine, a.outcome])).toEqual([
      ["fashn", "unavailable"],
      ["composite", "completed"],
    ]);

    // Duplicates of either message, later: nothing claims the finished generation.
    expect(await processGenerationMessage(ctx, handOver, 1, deps)).toMatchObject({ action: "ack", note: expect.stringContaining("not claimable") });
    expect(await processGenerationMessage(ctx, first, 4, deps)).toMatchObject({ action: "ack", note: expect.stringContaining("not claimable") });
    expect((await genRow(id)).updated_at).toBe(row.updated_at);
    const after = await expectLedgerBalances(acct.accountId);
    expect(after.balance - before.balance).toBe(-1);
    expect(after.reserved).toBe(0);
  });

  it("a duplicate of the hand-over message, and the first engine's redelivery, cannot run a second engine call", async () => {
    const { acct, body } = await accountWith(["fashn", "composite"]);
    const id = await accept(acct, body);
    const first = queue.messages.find((m) => m.generationId === id);
    const { ctx } = testContext({ ENGINE_BREAKER_THRESHOLD: 1000 });
    const calls: string[] = [];
    const deps = {
      createEngine: (name: EngineName, opts: Parameters<typeof createEngine>[1]): Engine => {
        const real = createEngine(name, opts);
        return {
          name: real.name,
          run: async (input): Promise<EngineResult> => {
            calls.push(name);
            return name === "fashn" ? { kind: "failed", code: "ENGINE_UNAVAILABLE", message: "down (test)" } : real.run(input);
          },
        };
      },
    };
    await processGenerationMessage(ctx, first, 1, deps);
    const handOver = queue.messages.filter((m) => m.generationId === id).at(-1);
    // A stale redelivery of the FASHN message (a later attempt number) no longer claims: the hop moved on.
    expect(await processGenerationMessage(ctx, first, 2, deps)).toMatchObject({ note: expect.stringContaining("not claimable") });
    await processGenerationMessage(ctx, handOver, 1, deps);
    await processGenerationMessage(ctx, handOver, 1, deps);
    expect(calls).toEqual(["fashn", "composite"]);
    expect(await view(acct, id)).toMatchObject({ status: "COMPLETED", engine: "composite" });
  });
});

describe("a lost hand-over message", () => {
  it("the sweep re-sends the run message of the new engine (once per window), and the generation completes", async () => {
    const { acct, body } = await accountWith(["fashn", "composite"]);
    fashnUpstream("ok");
    const id = await accept(acct, body);
    queue.failNext(1); // the hand-over's run message is lost
    await runConsumer([{ body: queue.messages.find((m) => m.generationId === id) }], "drape-generations", { ...VARS, FASHN_API_KEY: "" });
    const switched = await genRow(id);
    expect(switched).toMatchObject({ status: "PROCESSING", engine: "composite" });
    expect(queue.messages.filter((m) => m.generationId === id)).toHaveLength(1);
    const later = switched.updated_at + 3 * 60_000;
    await runCron(later);
    await runCron(later);
    const resent = queue.messages.filter((m) => m.generationId === id).slice(1);
    expect(resent).toEqual([{ generationId: id, accountId: acct.accountId, hop: 1 }]);
    await runConsumer([{ body: resent[0] }], "drape-generations", VARS);
    expect(await view(acct, id)).toMatchObject({ status: "COMPLETED", engine: "composite" });
  });
});

describe("operator API: engine lists", () => {
  it("engines and enginesByCategory are stored and read back; engine is the one-item shorthand; null clears", async () => {
    const acct = await fundedAccount(1);
    const path = `/admin/v1/accounts/${acct.accountId}`;
    let res = await admin(path, { method: "PATCH", json: { engines: ["fashn", "composite"], enginesByCategory: { bottoms: ["composite", "fashn"] } } });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ engine: "fashn", engines: ["fashn", "composite"], enginesByCategory: { bottoms: ["composite", "fashn"] } });
    res = await admin(path);
    expect(await res.json()).toMatchObject({ engine: "fashn", engines: ["fashn", "composite"], enginesByCategory: { bottoms: ["composite", "fashn"] } });
    res = await admin(path, { method: "PATCH", json: { engine: "composite" } });
    expect(await res.json()).toMatchObject({ engine: "composite", engines: ["composite"], enginesByCategory: { bottoms: ["composite", "fashn"] } });
    res = await admin(path, { method: "PATCH", json: { engine: null, enginesByCategory: null } });
    expect(await res.json()).toMatchObject({ engine: null, engines: null, enginesByCategory: null });
  });

  it("the category list beats the account list when the try-on names that category", async () => {
    const { acct, body } = await accountWith(["fashn", "composite"]);
    await admin(`/admin/v1/accounts/${acct.accountId}`, { method: "PATCH", json: { enginesByCategory: { bottoms: ["composite", "mock"] } } });
    const tops = await accept(acct, { ...(body as object), category: "tops" });
    const bottoms = await accept(acct, { ...(body as object), category: "bottoms" });
    const rows = await Promise.all(
      [tops, bottoms].map((id) => env.DB.prepare("SELECT engine, engines FROM generations WHERE id = ?").bind(id).first<{ engine: string; engines: string }>()),
    );
    expect(rows.map((r) => [r?.engine, JSON.parse(r?.engines ?? "null")])).toEqual([
      ["fashn", ["fashn", "composite"]],
      ["composite", ["composite", "mock"]],
    ]);
  });

  it.each([
    ["an unknown engine", { engines: ["dall-e"] }],
    ["a repeated engine", { engines: ["fashn", "fashn"] }],
    ["an empty list", { engines: [] }],
    ["more than four", { engines: ["fashn", "composite", "mock", "fashn", "composite"] }],
    ["an unknown category", { enginesByCategory: { hats: ["fashn"] } }],
    ["an empty category list", { enginesByCategory: { tops: [] } }],
    ["engine and engines disagreeing", { engine: "fashn", engines: ["composite"] }],
  ])("%s → 400 VALIDATION_FAILED, nothing stored", async (_what, json) => {
    const acct = await fundedAccount(1);
    const res = await admin(`/admin/v1/accounts/${acct.accountId}`, { method: "PATCH", json });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "VALIDATION_FAILED", status: 400, requestId: expect.any(String) });
    expect(await (await admin(`/admin/v1/accounts/${acct.accountId}`)).json()).toMatchObject({ engine: null, engines: null, enginesByCategory: null });
  });
});
