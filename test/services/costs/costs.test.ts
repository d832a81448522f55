import { describe, expect, it } from "vitest";
import type { EngineName } from "../../../src/config";
import { createEngine, type Engine, type EngineResult } from "../../../src/engines";
import { CostReportSchema } from "../../../src/schemas/engines";
import { GenerationSchema } from "../../../src/schemas/generations";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { processGenerationMessage } from "../../../src/services/generations";
import { admin, api, readWire } from "../../helpers/harness";
import { env, fundedAccount, genRow, registerProduct, tryOn, uploadPerson, usePipelineQueues } from "../../helpers/pipeline";
import { testContext } from "../../helpers/service-context";

const queue = usePipelineQueues();

/**
 * The real engines, with an upstream that reports what each run cost (as a priced upstream
 * does): FASHN is down and reports nothing; composite answers with a cost of `usdMicros`.
 */
function pricedEngines(usdMicros: number) {
  return {
    createEngine: (name: EngineName, opts: Parameters<typeof createEngine>[1]): Engine => {
      const real = createEngine(name, opts);
      return {
        name: real.name,
        run: async (input): Promise<EngineResult> => {
          if (name === "fashn")
            return { kind: "failed", code: "ENGINE_UNAVAILABLE", message: "down (test)", cost: { usdMicros: 7, basis: "rejected call (test)" } };
          const r = await real.run(input);
          return r.kind === "completed" ? { ...r, cost: { usdMicros, basis: "test price" } } : r;
        },
      };
    },
  };
}

describe("cost per generation and the operator's cost report", () => {
  it("stores each attempt's cost and their sum; GET …/costs sums per day with revenue and margin", async () => {
    const acct = await fundedAccount(10);
    await admin(`/admin/v1/accounts/${acct.accountId}`, { method: "PATCH", json: { engines: ["fashn", "composite"] } });
    const person = await uploadPerson(acct);
    await registerProduct(acct, "tee");
    const { ctx } = testContext({ ENGINE_BREAKER_THRESHOLD: 1000 });
    const ids: string[] = [];
    for (const price of [1234, 2000]) {
      const res = await tryOn(acct, { products: [{ externalId: "tee" }], person: { image: { source: { id: person } } } });
      const { generationId } = await readWire(res, TryOnAcceptedSchema);
      ids.push(generationId);
      for (let i = 0; i < 4 && (await genRow(generationId)).status !== "COMPLETED"; i++) {
        await processGenerationMessage(ctx, queue.messages.filter((m) => m.generationId === generationId).at(-1), 1, pricedEngines(price));
      }
    }
    const rows = await Promise.all(
      ids.map((id) =>
        env.DB.prepare("SELECT status, cost_usd_micros, engine_attempts FROM generations WHERE id = ?")
          .bind(id)
          .first<{ status: string; cost_usd_micros: number; engine_attempts: string }>(),
      ),
    );
    expect(rows.map((r) => [r?.status, r?.cost_usd_micros])).toEqual([
      ["COMPLETED", 1241],
      ["COMPLETED", 2007],
    ]);
    expect(JSON.parse(rows[0]?.engine_attempts ?? "[]")).toEqual([
      { engine: "fashn", outcome: "unavailable", code: "ENGINE_UNAVAILABLE", durationMs: expect.any(Number), costUsdMicros: 7 },
      { engine: "composite", outcome: "completed", durationMs: expect.any(Number), costUsdMicros: 1234 },
    ]);
    // The integrator's view has the attempts, not the operator's costs.
    const view = await readWire(await api(acct, `/generations/${ids[0]}`), GenerationSchema);
    expect(JSON.stringify(view)).not.toMatch(/cost/i);

    // A failed generation on the same day: counted, its cost counted, no revenue (refunded).
    await registerProduct(acct, "mock-x", "mock:GENERATION_FAILED");
    const failing = await tryOn(acct, { products: [{ externalId: "mock-x" }], person: { image: { source: { id: person } } } });
    const failedId = (await readWire(failing, TryOnAcceptedSchema)).generationId;
    await processGenerationMessage(
      ctx,
      queue.messages.find((m) => m.generationId === failedId),
      1,
    );
    expect((await genRow(failedId)).status).toBe("FAILED");

    // The UTC day the generations were accepted on (read from the row, so a run across midnight stays right).
    const acceptedAt = (await genRow(ids[0] ?? "")).created_at;
    const today = new Date(acceptedAt).toISOString().slice(0, 10);
    const yesterday = new Date(acceptedAt - 86_400_000).toISOString().slice(0, 10);
    const res = await admin(`/admin/v1/accounts/${acct.accountId}/costs?from=${yesterday}&to=${today}`);
    expect(res.status, await res.clone().text()).toBe(200);
    const report = await readWire(res, CostReportSchema);
    const price = report.creditPriceUsdMicros;
    expect(price).toBe(100_000);
    const todayLine = { generations: 3, costUsdMicros: 3248, revenueUsdMicros: 2 * price, marginUsdMicros: 2 * price - 3248 };
    expect(report).toEqual({
      accountId: acct.accountId,
      from: yesterday,
      to: today,
      creditPriceUsdMicros: price,
      days: [
        { day: yesterday, generations: 0, costUsdMicros: 0, revenueUsdMicros: 0, marginUsdMicros: 0 },
        { day: today, ...todayLine },
      ],
      totals: todayLine,
    });
  });

  it("validates the range and the account", async () => {
    const acct = await fundedAccount(1);
    const year = new Date(Date.now()).getUTCFullYear();
    for (const q of [`from=${year}-13-01`, "from=yesterday", `to=${year}-02-30`]) {
      const res = await admin(`/admin/v1/accounts/${acct.accountId}/costs?${q}`);
      expect(res.status, q).toBe(400);
      expect(await res.json()).toMatchObject({ code: "VALIDATION_FAILED" });
    }
    const today = new Date(Date.now()).toISOString().slice(0, 10);
    const later = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const longAgo = new Date(Date.now() - 400 * 86_400_000).toISOString().slice(0, 10);
    expect(await (await admin(`/admin/v1/accounts/${acct.accountId}/costs?from=${later}&to=${today}`)).json()).toMatchObject({ code: "VALIDATION_FAILED" });
    expect(await (await admin(`/admin/v1/accounts/${acct.accountId}/costs?from=${longAgo}&to=${today}`)).json()).toMatchObject({ code: "VALIDATION_FAILED" });
    expect((await readWire(await admin(`/admin/v1/accounts/${acct.accountId}/costs`), CostReportSchema)).days).toHaveLength(30);
    const missing = await admin("/admin/v1/accounts/acc_nope/costs");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: "ACCOUNT_NOT_FOUND" });
  });
});
