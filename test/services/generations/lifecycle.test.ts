import { describe, expect, it, vi } from "vitest";
import { clearRefsCache } from "../../../src/db/repo/refs-cache";
import { GenerationSchema } from "../../../src/schemas/generations";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import * as events from "../../../src/services/generations/events";
import { api, expectEnvelope, readWire } from "../../helpers/harness";
import { REQUEST_DELIVERY } from "../../helpers/outbox-delivery";
import { env, fundedAccount, genRow, registerProduct, runConsumer, runCron, tryOn, uploadPerson, usePipelineQueues } from "../../helpers/pipeline";
import { expectLedgerBalances } from "../credits/helpers";

const queue = usePipelineQueues();

/** An account with a product titled `title` and an uploaded person; returns a starter for try-ons. */
async function scenario(title: string, credits = 5) {
  const acct = await fundedAccount(credits);
  const imageId = await uploadPerson(acct);
  const externalId = `p-${crypto.randomUUID().slice(0, 8)}`;
  await registerProduct(acct, externalId, title);
  const start = async (extra: Record<string, unknown> = {}) => {
    const res = await tryOn(acct, { products: [{ externalId }], person: { image: { source: { id: imageId } } }, ...extra });
    expect(res.status, await res.clone().text()).toBe(202);
    const { generationId } = await readWire(res, TryOnAcceptedSchema);
    const message = queue.messages.find((m) => m.generationId === generationId && !("poll" in m && m.poll));
    if (!message) throw new Error("no queue message captured");
    return { generationId, message };
  };
  return { acct, imageId, externalId, start };
}

describe("exactly one terminal transition", () => {
  it("a duplicate delivery after completion changes nothing (row, ledger, event)", async () => {
    const { acct, start } = await scenario("mock");
    const { generationId, message } = await start();
    const spy = vi.spyOn(events, "onGenerationFinished");
    const first = await runConsumer([{ body: message }]);
    expect(first.explicitAcks).toHaveLength(1);
    const done = await genRow(generationId);
    expect(done.status).toBe("COMPLETED");
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy).toHaveBeenCalledWith(expect.anything(), { accountId: acct.accountId, generationId, status: "COMPLETED", webhookUrl: null });
    spy.mockClear();
    const ledger = await expectLedgerBalances(acct.accountId);

    // Same message again (redelivery), and a concurrent pair of duplicates.
    const again = await runConsumer([{ body: message }, { body: message }, { body: message, attempts: 2 }]);
    expect(again.explicitAcks).toHaveLength(3);
    expect(again.retryMessages).toHaveLength(0);
    expect(await genRow(generationId)).toEqual(done);
    expect(await expectLedgerBalances(acct.accountId)).toEqual(ledger);
    expect(spy).not.toHaveBeenCalled();
    const results = await env.DB.prepare("SELECT count(*) AS n FROM images WHERE account_id = ? AND role = 'result'")
      .bind(acct.accountId)
      .first<{ n: number }>();
    expect(results?.n).toBe(1);
  });

  it("two duplicate deliveries in one batch run the engine once", async () => {
    const { start } = await scenario("mock");
    const { generationId, message } = await start();
    const spy = vi.spyOn(events, "onGenerationFinished");
    const run = await runConsumer([{ body: message }, { body: message }]);
    expect(run.explicitAcks).toHaveLength(2);
    const row = await genRow(generationId);
    expect(row).toMatchObject({ status: "COMPLETED", attempts: 1, credit_state: "committed" });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("delivery after cancel is a no-op; the credit is refunded once", async () => {
    const { acct, start } = await scenario("mock");
    const before = await expectLedgerBalances(acct.accountId);
    const { generationId, message } = await start();
    expect((await expectLedgerBalances(acct.accountId)).reserved).toBe(1);
    const cancel = await api(acct, `/generations/${generationId}/cancel`, { method: "POST" });
    expect(cancel.status).toBe(200);
    expect(await readWire(cancel, GenerationSchema)).toMatchObject({ status: "FAILED", errorCode: "GENERATION_CANCELLED", retryable: false });
    const cancelled = await genRow(generationId);
    expect(cancelled).toMatchObject({ credit_state: "refunded" });
    expect(cancelled.event_emitted_at).not.toBeNull();

    const run = await runConsumer([{ body: message }]);
    expect(run.explicitAcks).toHaveLength(1);
    expect(await genRow(generationId)).toEqual(cancelled);
    expect(await expectLedgerBalances(acct.accountId)).toEqual(before);
    await expectEnvelope(await api(acct, `/generations/${generationId}/cancel`, { method: "POST" }), 409, "GENERATION_NOT_CANCELLABLE");
  });

  it("a result produced while the generation was cancelled is discarded", async () => {
    const { acct, start } = await scenario("Red shirt");
    const { generationId, message } = await start();
    // An engine that is still running when the client cancels.
    const { generationsConsumer } = await import("../../../src/queues/generations");
    const { createExecutionContext, createMessageBatch, getQueueResult } = await import("cloudflare:test");
    const consumer = generationsConsumer({
      createEngine: () => ({
        name: "composite",
        async run(input) {
          const res = await api(acct, `/generations/${generationId}/cancel`, { method: "POST" });
          expect(res.status).toBe(200);
          return {
            kind: "completed",
            bytes: input.person.bytes,
            contentType: "image/jpeg",
            format: "jpeg",
            width: input.person.width,
            height: input.person.height,
          };
        },
      }),
    });
    const batch = createMessageBatch("drape-generations", [{ id: "late", timestamp: new Date(), attempts: 1, body: message }]);
    const ctx = createExecutionContext();
    await consumer(batch as MessageBatch<unknown>, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["late"]);
    const row = await genRow(generationId);
    expect(row).toMatchObject({ status: "FAILED", error_code: "GENERATION_CANCELLED", result_r2_key: null, credit_state: "refunded" });
    // The stored bytes were removed again.
    const listed = await env.BUCKET.list({ prefix: `r7d/${acct.accountId}/result/` });
    expect(listed.objects).toHaveLength(0);
    // …and so was its image row: nothing points at a missing object.
    const results = await env.DB.prepare("SELECT count(*) AS n FROM images WHERE account_id = ? AND role = 'result'")
      .bind(acct.accountId)
      .first<{ n: number }>();
    expect(results?.n).toBe(0);
  });
});

describe("transient failures and remote jobs", () => {
  it("retry → backoff 10 s, 20 s, then FAILED ENGINE_UNAVAILABLE with a refund", async () => {
    const { acct, start } = await scenario("mock:retry");
    const before = await expectLedgerBalances(acct.accountId);
    const { generationId, message } = await start();
    const r1 = await runConsumer([{ body: message, attempts: 1 }]);
    expect(r1.retries).toEqual([{ msgId: expect.any(String), delaySeconds: 10 }]);
    expect(await genRow(generationId)).toMatchObject({ status: "PROCESSING", attempts: 1 });
    // A late duplicate of attempt 1 cannot re-claim it.
    expect((await runConsumer([{ body: message, attempts: 1 }])).explicitAcks).toHaveLength(1);
    expect((await genRow(generationId)).attempts).toBe(1);
    const r2 = await runConsumer([{ body: message, attempts: 2 }]);
    expect(r2.retries[0]?.delaySeconds).toBe(20);
    const r3 = await runConsumer([{ body: message, attempts: 3 }]);
    expect(r3.explicitAcks).toHaveLength(1);
    const row = await genRow(generationId);
    expect(row).toMatchObject({ status: "FAILED", error_code: "ENGINE_UNAVAILABLE", retryable: 1, attempts: 3, credit_state: "refunded" });
    expect(await expectLedgerBalances(acct.accountId)).toEqual(before);
  });

  it("pending → poll message with a delay → COMPLETED; a duplicate poll is a no-op", async () => {
    const { start } = await scenario("mock:pending");
    const { generationId, message } = await start();
    await runConsumer([{ body: message }]);
    const pending = await genRow(generationId);
    expect(pending).toMatchObject({ status: "PROCESSING", engine_job_id: `mock_${generationId}` });
    const poll = queue.messages.find((m) => m.generationId === generationId && "poll" in m && m.poll);
    expect(poll).toBeDefined();
    expect(queue.delays[queue.messages.indexOf(poll!)]).toBe(1);
    // The original run message again: the job is recorded, it cannot restart the engine.
    await runConsumer([{ body: message, attempts: 2 }]);
    expect(await genRow(generationId)).toEqual(pending);
    const polled = await runConsumer([{ body: poll }, { body: poll }]);
    expect(polled.explicitAcks).toHaveLength(2);
    expect(await genRow(generationId)).toMatchObject({ status: "COMPLETED", credit_state: "committed" });
  });

  it("a remote job whose poll chain broke is picked up again by the sweep, exactly once", async () => {
    const { start } = await scenario("mock:pending");
    const { generationId, message } = await start();
    await runConsumer([{ body: message }]);
    const lostPoll = queue.messages.find((m) => m.generationId === generationId && "poll" in m && m.poll);
    expect(lostPoll).toBeDefined(); // …and it is never delivered.
    const row = await genRow(generationId);
    expect(row.status).toBe("PROCESSING");

    const sent = queue.messages.length;
    await runCron(row.updated_at + 60_000); // too early: a healthy chain moves its lease every few seconds
    expect(queue.messages.length).toBe(sent);
    await runCron(row.updated_at + 3 * 60_000);
    await runCron(row.updated_at + 3 * 60_000 + 1); // an overlapping sweep does not send a second poll
    const repolls = queue.messages.slice(sent).filter((m) => m.generationId === generationId);
    expect(repolls).toHaveLength(1);
    expect(repolls[0]).toMatchObject({ poll: { jobId: `mock_${generationId}` } });

    // The lost message, should it turn up late, can no longer advance the generation; the new one does.
    await runConsumer([{ body: lostPoll }]);
    expect((await genRow(generationId)).status).toBe("PROCESSING");
    await runConsumer([{ body: repolls[0] }]);
    expect(await genRow(generationId)).toMatchObject({ status: "COMPLETED", credit_state: "committed" });
  });

  it("cancel while a remote job runs: the next poll is a no-op", async () => {
    const { acct, start } = await scenario("mock:pending-forever");
    const { generationId, message } = await start();
    await runConsumer([{ body: message }]);
    const poll = queue.messages.find((m) => m.generationId === generationId && "poll" in m && m.poll);
    expect((await api(acct, `/generations/${generationId}/cancel`, { method: "POST" })).status).toBe(200);
    const before = await genRow(generationId);
    const sent = queue.messages.length;
    await runConsumer([{ body: poll }]);
    expect(await genRow(generationId)).toEqual(before);
    expect(queue.messages.length).toBe(sent);
  });

  it("poison messages retry into the DLQ; the DLQ fails the generation with a refund", async () => {
    const { acct, start } = await scenario("mock");
    const before = await expectLedgerBalances(acct.accountId);
    const poison = await runConsumer([{ body: { nonsense: true } }, { body: "not json at all" }]);
    expect(poison.retryMessages).toHaveLength(2);
    const { generationId, message } = await start();
    const dlq = await runConsumer([{ body: message }, { body: { nonsense: true } }], "drape-generations-dlq");
    expect(dlq.explicitAcks).toHaveLength(2);
    expect(await genRow(generationId)).toMatchObject({ status: "FAILED", error_code: "GENERATION_FAILED", credit_state: "refunded", retryable: 1 });
    expect(await expectLedgerBalances(acct.accountId)).toEqual(before);
    // A late original delivery changes nothing.
    const row = await genRow(generationId);
    await runConsumer([{ body: message }]);
    expect(await genRow(generationId)).toEqual(row);
  });
});

describe("scheduled sweep", () => {
  it("fails generations past their deadline with GENERATION_TIMEOUT (refund + event)", async () => {
    const { acct, start } = await scenario("mock:pending-forever");
    const before = await expectLedgerBalances(acct.accountId);
    const a = await start();
    const b = await start();
    await runConsumer([{ body: b.message }]); // b is PROCESSING with a remote job
    const deadline = (await genRow(a.generationId)).deadline_at;
    expect(deadline - (await genRow(a.generationId)).created_at).toBe(600_000);
    await runCron(deadline - 1000);
    expect((await genRow(a.generationId)).status).toBe("PENDING");
    await runCron(deadline + 61_000);
    for (const id of [a.generationId, b.generationId]) {
      const row = await genRow(id);
      expect(row).toMatchObject({ status: "FAILED", error_code: "GENERATION_TIMEOUT", retryable: 1, credit_state: "refunded" });
      expect(row.event_emitted_at).not.toBeNull();
    }
    expect(await expectLedgerBalances(acct.accountId)).toEqual(before);
  });

  it("re-enqueues PENDING work whose message was lost, once per window", async () => {
    const { start } = await scenario("mock");
    const { generationId } = await start();
    const created = (await genRow(generationId)).created_at;
    const sent = queue.messages.length;
    await runCron(created + 60_000);
    expect(queue.messages.length).toBe(sent);
    await runCron(created + 3 * 60_000);
    expect(queue.messages.length).toBe(sent + 1);
    expect(queue.messages.at(-1)).toEqual({ generationId, accountId: expect.any(String) });
    // The next minute does not send it again.
    await runCron(created + 4 * 60_000);
    expect(queue.messages.length).toBe(sent + 1);
    await runConsumer([{ body: queue.messages.at(-1) }]);
    expect((await genRow(generationId)).status).toBe("COMPLETED");
  });

  // Request delivery's failure answers (this one and the next); the outbox keeps the 202 and retries (outbox.test.ts).
  it.skipIf(!REQUEST_DELIVERY)("a failed queue send releases the reservation: 503, balance unchanged, no generation left", async () => {
    const { acct, imageId, externalId } = await scenario("mock");
    const before = await expectLedgerBalances(acct.accountId);
    queue.failNext(1);
    const res = await tryOn(acct, { products: [{ externalId }], person: { image: { source: { id: imageId } } } });
    await expectEnvelope(res, 503, "SERVICE_UNAVAILABLE");
    expect(res.headers.get("retry-after")).toBe("5");
    expect(await expectLedgerBalances(acct.accountId)).toEqual(before);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM generations WHERE account_id = ?").bind(acct.accountId).first<{ n: number }>();
    expect(n?.n).toBe(0);
    // The same request succeeds once the queue is back.
    const again = await tryOn(acct, { products: [{ externalId }], person: { image: { source: { id: imageId } } } });
    expect(again.status).toBe(202);
  });

  it("when the queue send and the withdrawal both fail, the generation stays PENDING and the sweep delivers it", async () => {
    const { acct, imageId, externalId } = await scenario("mock");
    queue.failNext(1);
    const realPrepare = env.DB.prepare.bind(env.DB);
    const prepareSpy = vi.spyOn(env.DB, "prepare").mockImplementation((sql: string) => {
      if (/^delete from "generations"/i.test(sql)) throw new Error("D1_ERROR: simulated outage");
      return realPrepare(sql);
    });
    const res = await tryOn(acct, { products: [{ externalId }], person: { image: { source: { id: imageId } } } });
    prepareSpy.mockRestore();
    expect(res.status).toBe(202);
    const { generationId } = await readWire(res, TryOnAcceptedSchema);
    expect(queue.messages.find((m) => m.generationId === generationId)).toBeUndefined();
    const row = await genRow(generationId);
    expect(row).toMatchObject({ status: "PENDING", credit_state: "reserved" });
    await runCron(row.created_at + 3 * 60_000);
    const recovered = queue.messages.find((m) => m.generationId === generationId);
    expect(recovered).toBeDefined();
    await runConsumer([{ body: recovered }]);
    expect(await genRow(generationId)).toMatchObject({ status: "COMPLETED", credit_state: "committed" });
  });

  it.skipIf(!REQUEST_DELIVERY)("a failed D1 write after the reservation releases it: 500, balance unchanged, no generation", async () => {
    const { acct, imageId, externalId } = await scenario("mock");
    const before = await expectLedgerBalances(acct.accountId);
    clearRefsCache(); // a fresh isolate: the product and image are read from D1 (not from this isolate's refs cache)
    const realBatch = env.DB.batch.bind(env.DB);
    let calls = 0;
    // The first batch is the read (product + image); the second is the write (it fails before committing);
    // the third withdraws the row if it was written after all, and finds none.
    const batchSpy = vi.spyOn(env.DB, "batch").mockImplementation(async (stmts) => {
      calls++;
      if (calls === 2) throw new Error("D1_ERROR: simulated outage");
      return realBatch(stmts);
    });
    const res = await tryOn(acct, { products: [{ externalId }], person: { image: { source: { id: imageId } } } });
    await expectEnvelope(res, 500, "INTERNAL_ERROR");
    expect(calls).toBe(3);
    batchSpy.mockRestore();
    expect(await expectLedgerBalances(acct.accountId)).toEqual(before);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM generations WHERE account_id = ?").bind(acct.accountId).first<{ n: number }>();
    expect(n?.n).toBe(0);
  });
});
