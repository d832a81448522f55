/**
 * End to end through the real pipeline: an account whose engine is workers-ai,
 * a try-on through the API, the Worker's own queue handler with the AI binding
 * replaced by the double (the only thing outside the Worker).
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import worker from "../../../src";
import type { AiBinding } from "../../../src/engines";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import * as generationInputs from "../../../src/services/generations/inputs";
import { readWire } from "../../helpers/harness";
import { env, fundedAccount, genRow, registerProduct, tryOn, uploadPerson, usePipelineQueues } from "../../helpers/pipeline";
import { expectLedgerBalances } from "../../services/credits/helpers";
import { aiDouble } from "./ai-double";

const queue = usePipelineQueues();

async function accepted(mode?: "quality") {
  const acct = await fundedAccount(5, { account: { engine: "workers-ai" } });
  const imageId = await uploadPerson(acct);
  const externalId = `p-${crypto.randomUUID().slice(0, 8)}`;
  await registerProduct(acct, externalId, "Red linen shirt");
  const res = await tryOn(acct, { products: [{ externalId }], person: { image: { source: { id: imageId } } }, seed: 7, ...(mode ? { mode } : {}) });
  expect(res.status, await res.clone().text()).toBe(202);
  const { generationId } = await readWire(res, TryOnAcceptedSchema);
  const message = queue.messages.find((m) => m.generationId === generationId);
  if (!message) throw new Error("no queue message captured");
  return { acct, generationId, message };
}

/** The Worker's queue handler on one message, with `AI` bound to `ai` (undefined keeps the test env's offline binding). */
async function consume(message: unknown, attempts: number, ai?: AiBinding) {
  const batch = createMessageBatch<unknown>("drape-generations", [
    { id: `m-${attempts}-${crypto.randomUUID()}`, timestamp: new Date(), attempts, body: message },
  ]);
  const retries: Array<number | undefined> = [];
  for (const m of batch.messages) {
    const original = m.retry.bind(m);
    m.retry = (opts?: QueueRetryOptions) => {
      retries.push(opts?.delaySeconds);
      original(opts);
    };
  }
  const ctx = createExecutionContext();
  await worker.queue(batch, ai ? ({ ...env, AI: ai } as unknown as Env) : env, ctx);
  return { ...(await getQueueResult(batch, ctx)), retries };
}

describe("workers-ai through the queue consumer", () => {
  it("COMPLETED: the stored result is the model's image, the request followed the documented format, the cost was computed", async () => {
    const { acct, generationId, message } = await accepted("quality");
    const double = aiDouble();
    const stored = vi.spyOn(generationInputs, "storeResult");
    const run = await consume(message, 1, double.ai);
    expect(run.explicitAcks).toHaveLength(1);
    expect(double.violations).toEqual([]);
    expect(double.calls).toHaveLength(1);
    expect(double.calls[0]).toMatchObject({ model: "@cf/black-forest-labs/flux-2-dev", steps: 28, seed: 7 });

    const row = await genRow(generationId);
    expect(row).toMatchObject({ status: "COMPLETED", engine: "workers-ai", credit_state: "committed" });
    const object = await env.BUCKET.get(row.result_r2_key ?? "");
    expect(new Uint8Array(await (object?.arrayBuffer() ?? new ArrayBuffer(0)))).toEqual(double.answered[0]);

    // 480×600 person → 912×1136 output (2×3 tiles); person and garment are one tile each; 28 steps.
    const result = stored.mock.calls[0]?.[2];
    expect(result?.cost?.usdMicros).toBe((2 * 210 + 6 * 410) * 28);
    await expectLedgerBalances(acct.accountId);
  });

  it("out of capacity (3040) retries with backoff, then FAILED ENGINE_UNAVAILABLE with a refund", async () => {
    const { acct, generationId, message } = await accepted();
    const before = await expectLedgerBalances(acct.accountId);
    const double = aiDouble(() => {
      throw new Error("3040: Out of capacity");
    });
    expect((await consume(message, 1, double.ai)).retries).toEqual([10]);
    expect((await consume(message, 2, double.ai)).retries).toEqual([20]);
    expect((await consume(message, 3, double.ai)).explicitAcks).toHaveLength(1);
    expect(double.calls).toHaveLength(3);
    const row = await genRow(generationId);
    expect(row).toMatchObject({ status: "FAILED", error_code: "ENGINE_UNAVAILABLE", credit_state: "refunded" });
    expect(row.error_message).toContain("3040");
    expect((await expectLedgerBalances(acct.accountId)).balance).toBe(before.balance + 1);
  });

  it("offline (the binding has no remote session, as under `npm start`): FAILED ENGINE_UNAVAILABLE at once, saying what it needs", async () => {
    const { generationId, message } = await accepted();
    const run = await consume(message, 1);
    expect(run.explicitAcks).toHaveLength(1);
    const row = await genRow(generationId);
    expect(row).toMatchObject({ status: "FAILED", error_code: "ENGINE_UNAVAILABLE", credit_state: "refunded" });
    expect(row.error_message).toContain("Cloudflare account");
  });
});
