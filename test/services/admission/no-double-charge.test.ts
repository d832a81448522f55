import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { accountGate, accountGateStub } from "../../../src/durable/account-gate/client";
import { IDEMPOTENCY_LEASE_MS, ORPHAN_AFTER_MS } from "../../../src/durable/account-gate/gate";
import { applySchema } from "../../../src/durable/account-gate/schema";
import { breakGenerationWrite, breakObjects, GENERATION_INSERT, generationRows } from "../../helpers/faults";
import { api, expectEnvelope, type TestAccount } from "../../helpers/harness";
import { REQUEST_DELIVERY } from "../../helpers/outbox-delivery";
import { env, filePart, fundedAccount, personJpeg, registerProduct, tryOn, uploadPerson, usePipelineQueues } from "../../helpers/pipeline";
import { expectLedgerBalances } from "../credits/helpers";

/**
 * Every failure point of a try-on that carries an Idempotency-Key, on both
 * routes: whatever fails, and whenever the client retries with the same key,
 * the account is charged at most once (a held or committed credit), a retry
 * either replays the first answer or (when nothing was charged) runs again,
 * and D1 and the queue hold exactly what the ledger says.
 */

const queue = usePipelineQueues();

const ROUTES = ["/try-on", "/try-on/sync?wait=0"] as const;

interface Fixture {
  acct: TestAccount;
  gate: ReturnType<typeof accountGateStub>;
  send: () => Promise<Response>;
}

/** A funded account (5 credits) with a product and, for `person: "upload"`, a stored person photo; `send` posts the same try-on with the same key. */
async function fixture(route: string, person: "stored" | "upload" = "stored"): Promise<Fixture> {
  const acct = await fundedAccount(5);
  await registerProduct(acct, "shirt", "mock");
  const gate = accountGateStub(env, acct.accountId);
  await gate.testSetClock(Date.now());
  const key = crypto.randomUUID();
  if (person === "stored") {
    const imageId = await uploadPerson(acct);
    const body = { person: { image: { source: { id: imageId } } }, products: [{ externalId: "shirt" }] };
    return { acct, gate, send: () => tryOn(acct, body, route, { "idempotency-key": key }) };
  }
  const bytes = await personJpeg();
  const send = () => {
    const form = new FormData();
    form.set("data", JSON.stringify({ person: { image: { source: { fileKey: "me" } } }, products: [{ externalId: "shirt" }] }));
    form.set("me", filePart(bytes, "me.jpg", "image/jpeg"));
    return api(acct, route, { method: "POST", body: form, headers: { "idempotency-key": key } });
  };
  return { acct, gate, send };
}

// ------------------------------------------------------------------------------------ fault injection

/** The AccountGate's RPCs `methods` fail (test/helpers/faults.ts, breakObjects). */
function breakGate(methods: string[], mode: "reject" | "lose-answer"): () => void {
  return breakObjects("ACCOUNT_GATE", methods, mode);
}

/** Makes storing the person photo in R2 fail (after the reservation, before the generation is written). */
function breakImageStore(): () => void {
  let armed = true;
  const real = env.BUCKET.put.bind(env.BUCKET);
  vi.spyOn(env.BUCKET, "put").mockImplementation(async (...args: Parameters<R2Bucket["put"]>) => {
    if (armed) throw new Error("R2 unavailable (test)");
    return real(...args);
  });
  return () => (armed = false);
}

/** The request dies right after its message was queued (the last step of createTryOn logs the acceptance). */
function dieAfterQueueSend(): () => void {
  let armed = true;
  const real = console.log.bind(console);
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    if (armed && typeof args[0] === "string" && args[0].includes('"generation accepted"')) throw new Error("isolate gone (test)");
    real(...args);
  });
  return () => (armed = false);
}

// ------------------------------------------------------------------------------------ what the integrator sees

interface Charges {
  reserves: number;
  refunds: number;
  balance: number;
  reserved: number;
}

/** Ledger movements of the account and its balances (invariants checked by expectLedgerBalances). */
async function charges(accountId: string): Promise<Charges> {
  const { entries } = await accountGate(env, accountId).ledger(100);
  const { balance, reserved } = await expectLedgerBalances(accountId);
  return { reserves: entries.filter((e) => e.kind === "reserve").length, refunds: entries.filter((e) => e.kind === "refund").length, balance, reserved };
}

/** The generation ids the first request reserved, from the ledger (its answer may not name it). */
async function reservedIds(accountId: string): Promise<string[]> {
  const { entries } = await accountGate(env, accountId).ledger(100);
  return entries
    .filter((e) => e.kind === "reserve")
    .map((e) => e.generationId ?? "")
    .reverse();
}

async function expectAccepted(res: Response, replayed: boolean, status = "PENDING"): Promise<{ generationId: string; text: string }> {
  const text = await res.text();
  expect(res.status, text).toBe(202);
  expect(res.headers.get("idempotent-replayed")).toBe(replayed ? "true" : null);
  const body = JSON.parse(text) as { generationId: string; livemode: boolean; status: string; productExternalId: string };
  expect(body).toEqual({ generationId: expect.stringMatching(/^gen_/), livemode: true, status, productExternalId: "shirt" });
  expect(res.headers.get("location")).toBe(`/tryon/v1/generations/${body.generationId}`);
  expect(res.headers.get("content-type")).toBe("application/json");
  return { generationId: body.generationId, text };
}

/** Past the first request's lease: a record it left running is answered from its provisional answer, or runs again. */
async function afterLease(f: Fixture): Promise<void> {
  await f.gate.testAdvanceClock(IDEMPOTENCY_LEASE_MS + 1000);
}

/** The AccountGate's alarm, 15 min on: settles reservations whose generation D1 never recorded. */
async function runReconciler(f: Fixture): Promise<void> {
  await f.gate.testAdvanceClock(ORPHAN_AFTER_MS + 1000);
  expect(await runDurableObjectAlarm(f.gate)).toBe(true);
}

for (const route of ROUTES) {
  // Request delivery's failure table (docs/credits-limits-idempotency.md); the outbox's is outbox.test.ts.
  describe.skipIf(!REQUEST_DELIVERY)(`POST ${route} with an Idempotency-Key never charges twice`, () => {
    it("storing the person photo fails after the reservation → 5xx, refunded; the retry runs once", async () => {
      const f = await fixture(route, "upload");
      const heal = breakImageStore();
      const first = await f.send();
      heal();
      expect(first.status).toBeGreaterThanOrEqual(500);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 1, refunds: 1, balance: 5, reserved: 0 });

      const retry = await expectAccepted(await f.send(), false);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 2, refunds: 1, balance: 4, reserved: 1 });
      expect(await generationRows(f.acct.accountId)).toEqual([{ id: retry.generationId, status: "PENDING" }]);
      expect(queue.messages.map((m) => m.generationId)).toEqual([retry.generationId]);
    });

    it("the request dies after the reservation (storing fails and so does the refund) → retries replay its 202; the reconciler refunds it and frees the key", async () => {
      const f = await fixture(route, "upload");
      const healStore = breakImageStore();
      const healGate = breakGate(["withdraw", "refund"], "reject");
      const first = await f.send();
      healStore();
      healGate();
      expect(first.status).toBeGreaterThanOrEqual(500);
      const [held] = await reservedIds(f.acct.accountId);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 1, refunds: 0, balance: 4, reserved: 1 });

      await afterLease(f);
      expect((await expectAccepted(await f.send(), true)).generationId).toBe(held);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 1, refunds: 0, balance: 4, reserved: 1 });

      // Never recorded: the reconciler refunds it and clears the answer naming it, so the key runs again.
      await runReconciler(f);
      expect(await accountGate(env, f.acct.accountId).reservation(held ?? "")).toBe("refunded");
      const fresh = await expectAccepted(await f.send(), false);
      expect(fresh.generationId).not.toBe(held);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 2, refunds: 1, balance: 4, reserved: 1 });
      expect(await generationRows(f.acct.accountId)).toEqual([{ id: fresh.generationId, status: "PENDING" }]);
      expect(queue.messages.map((m) => m.generationId)).toEqual([fresh.generationId]);
    });

    it("the D1 batch throws before committing → confirmed absent, refunded; the retry runs once", async () => {
      const f = await fixture(route);
      const heal = breakGenerationWrite("before-commit");
      const first = await f.send();
      heal();
      expect(first.status).toBeGreaterThanOrEqual(500);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 1, refunds: 1, balance: 5, reserved: 0 });
      expect(await generationRows(f.acct.accountId)).toEqual([]);

      const retry = await expectAccepted(await f.send(), false);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 2, refunds: 1, balance: 4, reserved: 1 });
      expect(await generationRows(f.acct.accountId)).toEqual([{ id: retry.generationId, status: "PENDING" }]);
      expect(queue.messages.map((m) => m.generationId)).toEqual([retry.generationId]);
    });

    it("the D1 batch throws AFTER committing → the PENDING row is withdrawn before the refund; no free generation is left behind", async () => {
      const f = await fixture(route);
      const heal = breakGenerationWrite("after-commit");
      const first = await f.send();
      heal();
      expect(first.status).toBeGreaterThanOrEqual(500);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 1, refunds: 1, balance: 5, reserved: 0 });
      expect(await generationRows(f.acct.accountId)).toEqual([]);

      const retry = await expectAccepted(await f.send(), false);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 2, refunds: 1, balance: 4, reserved: 1 });
      expect(await generationRows(f.acct.accountId)).toEqual([{ id: retry.generationId, status: "PENDING" }]);
      expect(queue.messages.map((m) => m.generationId)).toEqual([retry.generationId]);
    });

    it("the D1 batch throws after committing and someone already runs the row → accepted after all (202), one charge", async () => {
      const f = await fixture(route);
      const real = env.DB.batch.bind(env.DB);
      vi.spyOn(env.DB, "batch").mockImplementation(async (stmts) => {
        const out = await real(stmts);
        if (!GENERATION_INSERT.test((stmts[0] as unknown as { statement?: string }).statement ?? "")) return out;
        // The row is claimed (as a sweep or consumer would) before the write's error reaches the request.
        await env.DB.prepare("UPDATE generations SET status = 'PROCESSING' WHERE account_id = ?").bind(f.acct.accountId).run();
        throw new Error("D1 connection reset (test, after-commit)");
      });
      // The sync route reports the status it then reads.
      const status = route === "/try-on" ? "PENDING" : "PROCESSING";
      const first = await expectAccepted(await f.send(), false, status);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 1, refunds: 0, balance: 4, reserved: 1 });
      expect(await generationRows(f.acct.accountId)).toEqual([{ id: first.generationId, status: "PROCESSING" }]);
      expect((await expectAccepted(await f.send(), true, status)).generationId).toBe(first.generationId);
    });

    it("the D1 batch commits, then it and the withdrawal throw → 503, the credit stays held; retries replay the 202 of the recorded generation", async () => {
      const f = await fixture(route);
      const heal = breakGenerationWrite("after-commit", "throws");
      const first = await f.send();
      heal();
      await expectEnvelope(first, 503, "SERVICE_UNAVAILABLE");
      const [held] = await reservedIds(f.acct.accountId);
      expect(await generationRows(f.acct.accountId)).toEqual([{ id: held, status: "PENDING" }]);

      expect((await expectAccepted(await f.send(), true)).generationId).toBe(held);
      // The reconciler finds it PENDING: the sweep's lost-message recovery enqueues it; its credit stays held.
      await runReconciler(f);
      expect(await accountGate(env, f.acct.accountId).reservation(held ?? "")).toBe("held");
      expect((await expectAccepted(await f.send(), true)).generationId).toBe(held);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 1, refunds: 0, balance: 4, reserved: 1 });
      expect(await generationRows(f.acct.accountId)).toEqual([{ id: held, status: "PENDING" }]);
      expect(queue.messages).toEqual([]);
    });

    it("the D1 batch fails and so does the withdrawal (outcome unknown) → 503 and replays; the reconciler finds nothing, refunds and frees the key", async () => {
      const f = await fixture(route);
      const heal = breakGenerationWrite("before-commit", "throws");
      const first = await f.send();
      heal();
      await expectEnvelope(first, 503, "SERVICE_UNAVAILABLE");
      const [held] = await reservedIds(f.acct.accountId);
      expect((await expectAccepted(await f.send(), true)).generationId).toBe(held);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 1, refunds: 0, balance: 4, reserved: 1 });

      await runReconciler(f);
      const fresh = await expectAccepted(await f.send(), false);
      expect(fresh.generationId).not.toBe(held);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 2, refunds: 1, balance: 4, reserved: 1 });
      expect(await generationRows(f.acct.accountId)).toEqual([{ id: fresh.generationId, status: "PENDING" }]);
      expect(queue.messages.map((m) => m.generationId)).toEqual([fresh.generationId]);
    });

    it("the queue send throws → withdrawn and refunded (503); the retry runs once", async () => {
      const f = await fixture(route);
      queue.failNext(1);
      const first = await f.send();
      await expectEnvelope(first, 503, "SERVICE_UNAVAILABLE");
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 1, refunds: 1, balance: 5, reserved: 0 });
      expect(await generationRows(f.acct.accountId)).toEqual([]);

      const retry = await expectAccepted(await f.send(), false);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 2, refunds: 1, balance: 4, reserved: 1 });
      expect(await generationRows(f.acct.accountId)).toEqual([{ id: retry.generationId, status: "PENDING" }]);
      expect(queue.messages.map((m) => m.generationId)).toEqual([retry.generationId]);
    });

    it("the request dies after the queue send → the retry replays its 202", async () => {
      const f = await fixture(route);
      const heal = dieAfterQueueSend();
      const first = await f.send();
      heal();
      expect(first.status).toBe(500);
      const [held] = await reservedIds(f.acct.accountId);

      expect((await expectAccepted(await f.send(), true)).generationId).toBe(held);
      await afterLease(f);
      expect((await expectAccepted(await f.send(), true)).generationId).toBe(held);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 1, refunds: 0, balance: 4, reserved: 1 });
      expect(await generationRows(f.acct.accountId)).toEqual([{ id: held, status: "PENDING" }]);
      expect(queue.messages.map((m) => m.generationId)).toEqual([held]);
    });

    it("the idempotency completion fails after a 202 → 409 while the lease runs, then the same 202 byte for byte", async () => {
      const f = await fixture(route);
      const heal = breakGate(["completeIdempotency"], "reject");
      const first = await expectAccepted(await f.send(), false);
      heal();

      await expectEnvelope(await f.send(), 409, "IDEMPOTENCY_KEY_IN_USE");
      await afterLease(f);
      const replay = await expectAccepted(await f.send(), true);
      expect(replay.text).toBe(first.text);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 1, refunds: 0, balance: 4, reserved: 1 });
      expect(await generationRows(f.acct.accountId)).toEqual([{ id: first.generationId, status: "PENDING" }]);
      expect(queue.messages.map((m) => m.generationId)).toEqual([first.generationId]);
    });

    it("the reservation commits but its answer is lost → 503 and replays; never recorded, so the reconciler refunds it and frees the key", async () => {
      const f = await fixture(route);
      const heal = breakGate(["reserve"], "lose-answer");
      const first = await f.send();
      heal();
      await expectEnvelope(first, 503, "SERVICE_UNAVAILABLE");
      const [held] = await reservedIds(f.acct.accountId);
      expect((await expectAccepted(await f.send(), true)).generationId).toBe(held);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 1, refunds: 0, balance: 4, reserved: 1 });
      expect(await generationRows(f.acct.accountId)).toEqual([]);

      await runReconciler(f);
      const fresh = await expectAccepted(await f.send(), false);
      expect(fresh.generationId).not.toBe(held);
      expect(await charges(f.acct.accountId)).toEqual({ reserves: 2, refunds: 1, balance: 4, reserved: 1 });
      expect(await generationRows(f.acct.accountId)).toEqual([{ id: fresh.generationId, status: "PENDING" }]);
      expect(queue.messages.map((m) => m.generationId)).toEqual([fresh.generationId]);
    });
  });
}

describe("the provisional answer and the generation it names", () => {
  it("a generation recorded and later FAILED keeps its 202: a refund is not a withdrawal", async () => {
    const f = await fixture("/try-on");
    const heal = breakGate(["completeIdempotency"], "reject");
    const first = await expectAccepted(await f.send(), false);
    heal();
    // The generation fails (refunded by the pipeline, via `refund`); the dead request's record keeps its answer.
    await accountGate(env, f.acct.accountId).refund(first.generationId, "GENERATION_FAILED");
    await afterLease(f);
    expect((await expectAccepted(await f.send(), true)).generationId).toBe(first.generationId);
    expect(await charges(f.acct.accountId)).toEqual({ reserves: 1, refunds: 1, balance: 5, reserved: 0 });
  });

  it("an AccountGate created before the generation_id column gets it once (schema version in meta)", async () => {
    const acct = await fundedAccount(1);
    const stub = accountGateStub(env, acct.accountId);
    const version = await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      // Back to the first deployed schema: no column, no version.
      sql.exec(
        "DROP INDEX idempotency_generation; ALTER TABLE idempotency DROP COLUMN generation_id; DROP TABLE leases; ALTER TABLE totals DROP COLUMN leased; DROP TABLE lease_refusals; DROP TABLE outbox; DELETE FROM meta WHERE k = 'schema_version'",
      );
      applySchema(state.storage);
      applySchema(state.storage); // a second run (the next constructor) must not add the column again
      const cols = sql
        .exec<{ name: string }>("SELECT name FROM pragma_table_info('idempotency')")
        .toArray()
        .map((c) => c.name);
      expect(cols).toContain("generation_id");
      // v3 (credit leases to key shards) runs after it.
      expect(
        sql
          .exec<{ name: string }>("SELECT name FROM pragma_table_info('totals')")
          .toArray()
          .map((c) => c.name),
      ).toContain("leased");
      // v4 (lease references settled as granting nothing) after that.
      expect(sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'lease_refusals'").toArray()).toHaveLength(1);
      // v5 (the outbox of GENERATION_DELIVERY=outbox) last.
      expect(sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'outbox'").toArray()).toHaveLength(1);
      return sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'schema_version'").one().v;
    });
    expect(version).toBe("5");
  });
});
