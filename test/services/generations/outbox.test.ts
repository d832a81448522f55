import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { accountGate, accountGateStub } from "../../../src/durable/account-gate/client";
import { ORPHAN_AFTER_MS } from "../../../src/durable/account-gate/gate";
import { breakGenerationWrite, breakObjects, generationRows } from "../../helpers/faults";
import { apiWithEnv, callWithEnv, expectEnvelope, type TestAccount } from "../../helpers/harness";
import { harnessDelivers } from "../../helpers/outbox-delivery";
import { env, filePart, fundedAccount, personJpeg, registerProduct, uploadPerson, usePipelineQueues } from "../../helpers/pipeline";
import { expectLedgerBalances } from "../credits/helpers";

/**
 * GENERATION_DELIVERY=outbox: a try-on whose product and person photo are
 * stored is recorded in the AccountGate with its credit hold and answered 202;
 * the gate delivers it to D1 and the queue afterwards, in batches. Every
 * reader that can come before the delivery sees it; a storage failure delays
 * the generation and never loses or double-charges it. (The suite's other files
 * run GENERATION_DELIVERY=request; vitest.config.ts gives the outbox a 1 s
 * gathering window, so "before delivery" is not a race here.)
 */

const queue = usePipelineQueues();
// What a reader sees before the delivery is this file's subject: the harness must not deliver for it.
beforeAll(() => harnessDelivers(false));
afterAll(() => harnessDelivers(true));
const outboxEnv = { ...env, GENERATION_DELIVERY: "outbox" } as Env;
const requestEnv = { ...env, GENERATION_DELIVERY: "request" } as Env;

function outboxApi(acct: TestAccount, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  return apiWithEnv(outboxEnv, acct, path, init);
}

interface Fixture {
  acct: TestAccount;
  body: { person: { image: { source: { id: string } } }; products: Array<{ externalId: string }>; externalUserId?: string };
}

async function fixture(credits = 5): Promise<Fixture> {
  const acct = await fundedAccount(credits);
  await registerProduct(acct, "shirt");
  const imageId = await uploadPerson(acct);
  return { acct, body: { person: { image: { source: { id: imageId } } }, products: [{ externalId: "shirt" }] } };
}

async function accept(f: Fixture, headers: Record<string, string> = {}, body: object = f.body): Promise<string> {
  const res = await outboxApi(f.acct, "/try-on", { method: "POST", json: body, headers });
  const text = await res.text();
  expect(res.status, text).toBe(202);
  return (JSON.parse(text) as { generationId: string }).generationId;
}

function outboxSize(accountId: string): Promise<number> {
  return runInDurableObject(
    accountGateStub(env, accountId),
    (_gate, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n,
  );
}

describe("GENERATION_DELIVERY=outbox", () => {
  it("answers 202 before D1 has the row, then the gate's timer delivers the row and its queue message", async () => {
    const f = await fixture();
    const id = await accept(f);
    expect(await generationRows(f.acct.accountId)).toEqual([]);
    expect(await outboxSize(f.acct.accountId)).toBe(1);
    expect(await expectLedgerBalances(f.acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });

    await vi.waitFor(async () => expect(await generationRows(f.acct.accountId)).toEqual([{ id, status: "PENDING" }]), { timeout: 10_000, interval: 100 });
    await vi.waitFor(() => expect(queue.messages).toEqual([{ generationId: id, accountId: f.acct.accountId }]), { timeout: 5_000, interval: 50 });
    expect(await outboxSize(f.acct.accountId)).toBe(0);
  });

  it("stores the same D1 rows as request delivery, several to a batch, and refreshes the product's lifetime", async () => {
    const f = await fixture();
    const plain = f.body;
    const full = { ...f.body, externalUserId: "user-1", webhookUrl: "https://hooks.example.com/drape", seed: 42, mode: "quality" };
    // Both in one delivery (one batch, one INSERT … SELECT), one with every optional field and one with none.
    const viaOutbox = [await accept(f, {}, plain), await accept(f, {}, full)];
    expect(await accountGate(env, f.acct.accountId).deliver()).toBe(2);
    const direct: string[] = [];
    for (const body of [plain, full]) {
      const res = await apiWithEnv(requestEnv, f.acct, "/try-on", { method: "POST", json: body });
      expect(res.status).toBe(202);
      direct.push(((await res.json()) as { generationId: string }).generationId);
    }

    const { results } = await env.DB.prepare("SELECT * FROM generations WHERE account_id = ?").bind(f.acct.accountId).all<Record<string, unknown>>();
    const byId = new Map(results.map((r) => [r.id, r]));
    const varying = ["id", "request_id", "created_at", "updated_at", "deadline_at"];
    const strip = (row: Record<string, unknown> | undefined) => Object.fromEntries(Object.entries(row ?? {}).filter(([k]) => !varying.includes(k)));
    for (const i of [0, 1]) {
      const a = byId.get(viaOutbox[i]);
      const b = byId.get(direct[i]);
      expect(a).toBeDefined();
      expect(strip(a)).toEqual(strip(b));
      expect(Number(a?.deadline_at) - Number(a?.created_at)).toBe(Number(b?.deadline_at) - Number(b?.created_at));
    }
    expect(byId.get(viaOutbox[1])).toMatchObject({ external_user_id: "user-1", webhook_url: "https://hooks.example.com/drape", seed: 42, mode: "quality" });

    const first = byId.get(viaOutbox[0]);
    const product = await env.DB.prepare("SELECT last_used_at FROM products WHERE account_id = ? AND external_id = 'shirt'")
      .bind(f.acct.accountId)
      .first<{ last_used_at: number }>();
    expect(product?.last_used_at).toBeGreaterThanOrEqual(Number(first?.created_at));
  });

  it("a poll, the list and the FASHN status right after the 202 see the generation (the gate delivers first)", async () => {
    const f = await fixture();
    const id = await accept(f);
    const read = await outboxApi(f.acct, `/generations/${id}`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as { status: string }).status).toBe("PENDING");
    expect(await generationRows(f.acct.accountId)).toEqual([{ id, status: "PENDING" }]);

    const second = await accept(f);
    const list = await outboxApi(f.acct, "/generations");
    expect(list.status).toBe(200);
    const ids = ((await list.json()) as { items: Array<{ generationId: string }> }).items.map((g) => g.generationId);
    expect(ids).toEqual([second, id]);

    const third = await accept(f);
    const status = await callWithEnv(outboxEnv, `/v1/status/${third}`, { headers: { authorization: `Bearer ${f.acct.key}` } });
    expect(status.status).toBe(200);
    expect(((await status.json()) as { id: string }).id).toBe(third);
    // Each generation was delivered once: one message each.
    expect(queue.messages.map((m) => m.generationId).sort()).toEqual([id, second, third].sort());
  });

  it("cancel right after the 202 cancels it and refunds its credit", async () => {
    const f = await fixture();
    const id = await accept(f);
    const res = await outboxApi(f.acct, `/generations/${id}/cancel`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await generationRows(f.acct.accountId)).toEqual([{ id, status: "FAILED" }]);
    expect(await expectLedgerBalances(f.acct.accountId)).toEqual({ balance: 5, reserved: 0, spent: 0 });
  });

  it("erasing a customer right after the 202 cancels their generation too", async () => {
    const f = await fixture();
    const id = await accept(f, {}, { ...f.body, externalUserId: "user-9" });
    const res = await outboxApi(f.acct, "/customers/user-9", { method: "DELETE" });
    expect(res.status).toBeLessThan(300);
    expect(await generationRows(f.acct.accountId)).toEqual([{ id, status: "FAILED" }]);
    expect(await expectLedgerBalances(f.acct.accountId)).toEqual({ balance: 5, reserved: 0, spent: 0 });
  });

  it("40 concurrent try-ons against 25 credits: exactly 25 accepted, each delivered once, in batches", async () => {
    const f = await fixture(25);
    const answers = await Promise.all(Array.from({ length: 40 }, () => outboxApi(f.acct, "/try-on", { method: "POST", json: f.body })));
    const accepted: string[] = [];
    for (const res of answers) {
      if (res.status === 202) accepted.push(((await res.json()) as { generationId: string }).generationId);
      else await expectEnvelope(res, 402, "INSUFFICIENT_CREDITS");
    }
    expect(accepted).toHaveLength(25);
    await accountGate(env, f.acct.accountId).deliver();
    expect((await generationRows(f.acct.accountId)).map((r) => r.id)).toEqual([...accepted].sort());
    expect(queue.messages.map((m) => m.generationId).sort()).toEqual([...accepted].sort());
    expect(await outboxSize(f.acct.accountId)).toBe(0);
    expect(await expectLedgerBalances(f.acct.accountId)).toEqual({ balance: 0, reserved: 25, spent: 0 });
  });

  it("D1 down: the try-on is still accepted; reads answer 503 until it is delivered; the reconciler never withdraws it; the alarm delivers it", async () => {
    const f = await fixture();
    const gate = accountGateStub(env, f.acct.accountId);
    const heal = breakGenerationWrite("before-commit");
    const id = await accept(f);
    expect(
      String(
        await gate.deliver().then(
          () => null,
          (e: unknown) => e,
        ),
      ),
    ).toMatch(/D1 connection reset/);
    await expectEnvelope(await outboxApi(f.acct, `/generations/${id}`), 503, "SERVICE_UNAVAILABLE");
    expect(await outboxSize(f.acct.accountId)).toBe(1);

    // Long past the orphan window, the held credit is not withdrawn: its generation is recorded, in the outbox.
    await gate.testAdvanceClock(ORPHAN_AFTER_MS + 60_000);
    expect(await gate.settleOrphans()).toBe(0);
    expect(await gate.reservation(id)).toBe("held");

    heal();
    await runDurableObjectAlarm(gate);
    await gate.testSetClock(null);
    expect(await generationRows(f.acct.accountId)).toEqual([{ id, status: "PENDING" }]);
    expect(queue.messages.map((m) => m.generationId)).toEqual([id]);
    expect(await outboxSize(f.acct.accountId)).toBe(0);
    expect(await expectLedgerBalances(f.acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });
  });

  it("the queue refuses the batch after D1 took it: the retry inserts nothing twice and sends the message", async () => {
    const f = await fixture();
    const gate = accountGate(env, f.acct.accountId);
    const id = await accept(f);
    queue.failNext(1);
    // (.then, not expect().rejects: an RPC promise awaited that way is also reported unhandled.)
    expect(
      String(
        await gate.deliver().then(
          () => null,
          (e: unknown) => e,
        ),
      ),
    ).toMatch(/queue unavailable/);
    expect(await generationRows(f.acct.accountId)).toEqual([{ id, status: "PENDING" }]);
    expect(queue.messages).toEqual([]);
    expect(await gate.deliver()).toBe(1);
    expect(await generationRows(f.acct.accountId)).toEqual([{ id, status: "PENDING" }]);
    expect(queue.messages.map((m) => m.generationId)).toEqual([id]);
  });

  it("an Idempotency-Key retry replays the 202 of the one generation in the outbox", async () => {
    const f = await fixture();
    const headers = { "idempotency-key": crypto.randomUUID() };
    const first = await accept(f, headers);
    const again = await outboxApi(f.acct, "/try-on", { method: "POST", json: f.body, headers });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(((await again.json()) as { generationId: string }).generationId).toBe(first);
    await accountGate(env, f.acct.accountId).deliver();
    expect(await generationRows(f.acct.accountId)).toEqual([{ id: first, status: "PENDING" }]);
    expect(await expectLedgerBalances(f.acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });
  });

  it("a try-on that writes first (a photo in the request) is recorded after its writes: 202 before D1 has the row, then delivered", async () => {
    const f = await fixture();
    const form = new FormData();
    form.set("data", JSON.stringify({ person: { image: { source: { fileKey: "me" } } }, products: [{ externalId: "shirt" }] }));
    form.set("me", filePart(await personJpeg(), "me.jpg", "image/jpeg"));
    const res = await outboxApi(f.acct, "/try-on", { method: "POST", body: form });
    expect(res.status).toBe(202);
    const id = ((await res.json()) as { generationId: string }).generationId;
    expect(await generationRows(f.acct.accountId)).toEqual([]);
    expect(await outboxSize(f.acct.accountId)).toBe(1);

    expect(await accountGate(env, f.acct.accountId).deliver()).toBe(1);
    const row = await env.DB.prepare("SELECT status, person_image_id FROM generations WHERE id = ?")
      .bind(id)
      .first<{ status: string; person_image_id: string }>();
    expect(row?.status).toBe("PENDING");
    // The photo the request carried was stored before the record: the row names it, and R2 has its bytes.
    const image = await env.DB.prepare("SELECT r2_key FROM images WHERE id = ?").bind(row?.person_image_id).first<{ r2_key: string }>();
    expect((await env.BUCKET.get(image?.r2_key ?? ""))?.size).toBeGreaterThan(0);
    expect(queue.messages.map((m) => m.generationId)).toEqual([id]);
  });

  it("an inline product is stored, then the try-on recorded: delivered with the product's snapshot", async () => {
    const f = await fixture();
    const form = new FormData();
    form.set(
      "data",
      JSON.stringify({ person: f.body.person, products: [{ externalId: "inline-1", title: "Inline", images: [{ source: { fileKey: "front" } }] }] }),
    );
    form.set("front", filePart(await personJpeg(), "front.jpg", "image/jpeg"));
    const res = await outboxApi(f.acct, "/try-on", { method: "POST", body: form });
    expect(res.status).toBe(202);
    const id = ((await res.json()) as { generationId: string }).generationId;
    expect(await outboxSize(f.acct.accountId)).toBe(1);
    await accountGate(env, f.acct.accountId).deliver();
    const row = await env.DB.prepare("SELECT product_external_id, product_snapshot FROM generations WHERE id = ?")
      .bind(id)
      .first<{ product_external_id: string; product_snapshot: string }>();
    expect(row?.product_external_id).toBe("inline-1");
    expect(JSON.parse(row?.product_snapshot ?? "{}")).toMatchObject({ externalId: "inline-1", title: "Inline" });
  });

  it("the gate unreachable when recording after the writes: 503, the credit stays held, and the reconciler withdraws the never-recorded try-on", async () => {
    const f = await fixture();
    const gate = accountGateStub(env, f.acct.accountId);
    const form = new FormData();
    form.set("data", JSON.stringify({ person: { image: { source: { fileKey: "me" } } }, products: [{ externalId: "shirt" }] }));
    form.set("me", filePart(await personJpeg(), "me.jpg", "image/jpeg"));
    const heal = breakObjects("ACCOUNT_GATE", ["record"], "reject");
    const res = await outboxApi(f.acct, "/try-on", { method: "POST", body: form });
    heal();
    await expectEnvelope(res, 503, "SERVICE_UNAVAILABLE");
    expect(await outboxSize(f.acct.accountId)).toBe(0);
    expect(await expectLedgerBalances(f.acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });

    await gate.testAdvanceClock(ORPHAN_AFTER_MS + 60_000);
    expect(await gate.settleOrphans()).toBe(1);
    await gate.testSetClock(null);
    expect(await expectLedgerBalances(f.acct.accountId)).toEqual({ balance: 5, reserved: 0, spent: 0 });
    expect(await generationRows(f.acct.accountId)).toEqual([]);
  });

  it("the record's answer lost after the gate stored it: 503, but the try-on is recorded and runs; a retry with its key replays the 202", async () => {
    const f = await fixture();
    const key = crypto.randomUUID();
    const send = async () => {
      const form = new FormData();
      form.set("data", JSON.stringify({ person: { image: { source: { fileKey: "me" } } }, products: [{ externalId: "shirt" }] }));
      form.set("me", filePart(await personJpeg(), "me.jpg", "image/jpeg"));
      return outboxApi(f.acct, "/try-on", { method: "POST", body: form, headers: { "idempotency-key": key } });
    };
    const heal = breakObjects("ACCOUNT_GATE", ["record"], "lose-answer");
    const first = await send();
    heal();
    await expectEnvelope(first, 503, "SERVICE_UNAVAILABLE");
    expect(await outboxSize(f.acct.accountId)).toBe(1);

    expect(await accountGate(env, f.acct.accountId).deliver()).toBe(1);
    const [delivered] = await generationRows(f.acct.accountId);
    const retry = await send();
    expect(retry.status).toBe(202);
    expect(((await retry.json()) as { generationId: string }).generationId).toBe(delivered?.id);
    expect(await generationRows(f.acct.accountId)).toHaveLength(1);
    expect(await expectLedgerBalances(f.acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });
  });
});
