import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { decodeImage } from "../../../src/engines/composite/codecs";
import { TEST_MARK_RED, testMarkBox } from "../../../src/engines/composite/test-mark";
import { now } from "../../../src/lib/clock";
import { testAccountIdOf } from "../../../src/lib/modes";
import { DAY } from "../../../src/lib/time";
import { AccountViewSchema } from "../../../src/schemas/account";
import { AccountListSchema, AccountSchema, ApiKeyListSchema, ApiKeySchema, RolledApiKeySchema } from "../../../src/schemas/admin";
import { CreditBalanceSchema } from "../../../src/schemas/credits";
import { GenerationSchema } from "../../../src/schemas/generations";
import { ImageSchema } from "../../../src/schemas/images";
import { TestDataErasedSchema } from "../../../src/schemas/test-mode";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { admin, api, createAccount, expectEnvelope, expectOk, readWire, type TestAccount } from "../../helpers/harness";
import { makeHeic } from "../../helpers/images";
import {
  counts,
  fetchThroughWorker,
  filePart,
  fundedAccount,
  genRow,
  personJpeg,
  registerProduct,
  runConsumer,
  tryOn,
  uploadPerson,
  usePipelineQueues,
} from "../../helpers/pipeline";
import { createEndpoint } from "../../helpers/webhooks";
import { accountGateStub, expectLedgerBalances } from "../credits/helpers";
import { testKeyOf } from "./helpers";

const queue = usePipelineQueues();
const DAILY = 1000; // TEST_DAILY_CREDITS' default

/** A live account (funded) with a test key, a product and a person photo in each mode. */
async function bothModes(liveCredits = 5, account: Record<string, unknown> = {}) {
  const live = await fundedAccount(liveCredits, { account });
  const test = await testKeyOf(live);
  await registerProduct(live, "shirt");
  await registerProduct(test, "shirt");
  const body = async (acct: TestAccount) => ({ products: [{ externalId: "shirt" }], person: { image: { source: { id: await uploadPerson(acct) } } } });
  return { live, test, liveBody: await body(live), testBody: await body(test) };
}

async function runToEnd(generationId: string): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const next = queue.messages.filter((m) => m.generationId === generationId).at(-1);
    await runConsumer([{ body: next }]);
    const status = (await genRow(generationId)).status;
    if (status === "COMPLETED" || status === "FAILED") return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`generation ${generationId} did not finish`);
}

async function accepted(res: Response): Promise<string> {
  expect(res.status, await res.clone().text()).toBe(202);
  return (await readWire(res, TryOnAcceptedSchema)).generationId;
}

const ledgerRows = async (accountId: string) => (await accountGateStub(env, accountId).ledgerSum()).rows;

describe("test keys through the operator API", () => {
  it("issues dr_test_ keys on the live account, lists both modes, and never exposes the twin", async () => {
    const live = await createAccount({ name: "keys" });
    const test = await testKeyOf(live);
    const page = await expectOk(await admin(`/admin/v1/accounts/${live.accountId}/keys`), ApiKeyListSchema);
    expect(page.items.map((k) => [k.id, k.mode, k.accountId]).sort()).toEqual(
      [
        [live.keyId, "live", live.accountId],
        [test.keyId, "test", live.accountId],
      ].sort(),
    );
    expect((await expectOk(await admin(`/admin/v1/accounts/${live.accountId}/keys/${test.keyId}`), ApiKeySchema)).mode).toBe("test");
    const twin = testAccountIdOf(live.accountId);
    for (const path of [`/admin/v1/accounts/${twin}`, `/admin/v1/accounts/${twin}/keys`, `/admin/v1/accounts/${twin}/credits`]) {
      await expectEnvelope(await admin(path), 404, "ACCOUNT_NOT_FOUND");
    }
    await expectEnvelope(await admin(`/admin/v1/accounts/${twin}/keys`, { method: "POST", json: { name: "x" } }), 404, "ACCOUNT_NOT_FOUND");
    const all = await expectOk(await admin("/admin/v1/accounts?limit=100"), AccountListSchema);
    expect(all.items.map((a) => a.id)).not.toContain(twin);
    // A second test key reuses the twin.
    await testKeyOf(live);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM accounts WHERE id = ?").bind(twin).first<{ n: number }>())?.n).toBe(1);
  });

  it("a test key's account view says livemode false and follows the live account's name and rate limits; revoking it works as for live keys", async () => {
    const live = await createAccount({ name: "mirror" });
    const test = await testKeyOf(live);
    await expectOk(await admin(`/admin/v1/accounts/${live.accountId}`, { method: "PATCH", json: { name: "Renamed", rateLimitPerMinute: 77 } }), AccountSchema);
    const view = await expectOk(await api(test, "/account"), AccountViewSchema);
    expect([view.accountId, view.livemode, view.name, view.rateLimit.perMinute]).toEqual([live.accountId, false, "Renamed", 77]);
    expect((await expectOk(await api(live, "/account"), AccountViewSchema)).livemode).toBe(true);
    await expectOk(await admin(`/admin/v1/accounts/${live.accountId}/keys/${test.keyId}/revoke`, { method: "POST" }), ApiKeySchema);
    await expectEnvelope(await api(test, "/account"), 401, "INVALID_API_KEY");
    expect((await api(live, "/account")).status).toBe(200);
  });

  it("rolling a test key issues a test key on the twin; the old one works through the overlap", async () => {
    const live = await createAccount({ name: "roll-test" });
    const test = await testKeyOf(live);
    const rolled = await expectOk(
      await admin(`/admin/v1/accounts/${live.accountId}/keys/${test.keyId}/roll`, { method: "POST", json: { overlapSeconds: 3600 } }),
      RolledApiKeySchema,
      201,
    );
    expect(rolled.key).toMatch(/^dr_test_[0-9A-Za-z]{32}$/);
    const successor = { accountId: live.accountId, keyId: rolled.id, key: rolled.key };
    for (const k of [successor, test]) expect((await expectOk(await api(k, "/account"), AccountViewSchema)).livemode).toBe(false);
    const row = await env.DB.prepare("SELECT account_id AS a FROM api_keys WHERE id = ?").bind(rolled.id).first<{ a: string }>();
    expect(row?.a).toBe(testAccountIdOf(live.accountId));
  });
});

describe("test credits: free, separate, and realistic", () => {
  it("a test try-on reserves from the test ledger: the live balance and ledger do not move, whatever the live spend caps and engine", async () => {
    const { live, test, testBody } = await bothModes(2, { spendCapPerDay: 0, engine: "fashn" });
    const liveBefore = await expectLedgerBalances(live.accountId);
    const liveRows = await ledgerRows(live.accountId);
    const id = await accepted(await tryOn(test, testBody));
    await runToEnd(id);
    const row = await genRow(id);
    expect([row.status, row.engine, row.credit_state]).toEqual(["COMPLETED", "mock", "committed"]);
    expect(await expectLedgerBalances(live.accountId)).toEqual(liveBefore);
    expect(await ledgerRows(live.accountId)).toBe(liveRows);
    const twin = testAccountIdOf(live.accountId);
    expect(await expectLedgerBalances(twin)).toMatchObject({ balance: DAILY - 1, spent: 1 });
    const credits = await expectOk(await api(test, "/account/credits"), CreditBalanceSchema);
    expect(credits).toEqual({ livemode: false, creditBalance: DAILY - 1, reserved: 0, spent: 1 });
  });

  it("POST /test/credits sets the balance exactly; 0 makes the next try-on 402 with nothing stored; a live key gets TEST_MODE_ONLY", async () => {
    const { live, test, testBody } = await bothModes();
    const set = await expectOk(await api(test, "/test/credits", { method: "POST", json: { balance: 0 } }), CreditBalanceSchema);
    expect(set).toEqual({ livemode: false, creditBalance: 0, reserved: 0, spent: 0 });
    const twin = testAccountIdOf(live.accountId);
    const before = await counts(twin);
    await expectEnvelope(await tryOn(test, testBody), 402, "INSUFFICIENT_CREDITS");
    await expectEnvelope(await tryOn(test, testBody, "/try-on/sync?wait=0"), 402, "INSUFFICIENT_CREDITS");
    expect(await counts(twin)).toEqual(before);
    expect((await expectOk(await api(test, "/test/credits", { method: "POST", json: { balance: 3 } }), CreditBalanceSchema)).creditBalance).toBe(3);
    const entries = (await accountGateStub(env, twin).ledger(10)).entries.map((e) => [e.kind, e.amount, e.reason]);
    expect(entries.slice(0, 3)).toEqual([
      ["grant", 3, "test_balance_set"],
      ["adjust", -DAILY, "test_balance_set"],
      ["grant", DAILY, "test_daily_refill"],
    ]);
    const liveBefore = await expectLedgerBalances(live.accountId);
    await expectEnvelope(await api(live, "/test/credits", { method: "POST", json: { balance: 100 } }), 403, "TEST_MODE_ONLY");
    expect(await expectLedgerBalances(live.accountId)).toEqual(liveBefore);
  });

  it("the free balance is topped up to the daily amount once per UTC day, by the gate's clock", async () => {
    const { live, test } = await bothModes();
    const twin = testAccountIdOf(live.accountId);
    const gate = accountGateStub(env, twin);
    const t0 = now();
    const nextDay = Math.floor(t0 / DAY) * DAY + DAY;
    await gate.testSetClock(nextDay - 60_000); // one minute before a UTC midnight
    await expectOk(await api(test, "/test/credits", { method: "POST", json: { balance: 7 } }), CreditBalanceSchema);
    expect((await expectOk(await api(test, "/account/credits"), CreditBalanceSchema)).creditBalance).toBe(7); // same day: no refill
    await gate.testSetClock(nextDay + 60_000);
    expect((await expectOk(await api(test, "/account/credits"), CreditBalanceSchema)).creditBalance).toBe(DAILY);
    expect((await expectOk(await api(test, "/account/credits"), CreditBalanceSchema)).creditBalance).toBe(DAILY); // once
    const refills = (await gate.ledger(20)).entries.filter((e) => e.reason === "test_daily_refill");
    expect(refills.map((e) => e.amount)).toEqual([DAILY - 7, DAILY]);
    await expectLedgerBalances(twin);
    await gate.testSetClock(null);
  });
});

describe("test-only request features on a live key", () => {
  it("`test` is refused with VALIDATION_FAILED before anything is charged or stored, on /try-on and /try-on/sync", async () => {
    const { live, liveBody } = await bothModes();
    const before = [await expectLedgerBalances(live.accountId), await ledgerRows(live.accountId), await counts(live.accountId)];
    for (const path of ["/try-on", "/try-on/sync?wait=0"]) {
      const env_ = await expectEnvelope(await tryOn(live, { ...liveBody, test: { outcome: "completed" } }, path), 400, "VALIDATION_FAILED");
      expect(env_.details).toEqual([expect.objectContaining({ path: "test" })]);
    }
    expect([await expectLedgerBalances(live.accountId), await ledgerRows(live.accountId), await counts(live.accountId)]).toEqual(before);
  });

  it("magic externalUserIds are ordinary ids on a live key", async () => {
    const { live, liveBody } = await bothModes();
    for (const externalUserId of ["test_rate_limited", "test_insufficient_credits"]) {
      await accepted(await tryOn(live, { ...liveBody, externalUserId }));
    }
  });
});

describe("test generations", () => {
  it("delayMs keeps the generation PROCESSING (also for GET), then it completes", async () => {
    const { test, testBody } = await bothModes();
    const id = await accepted(await tryOn(test, { ...testBody, test: { outcome: "completed", delayMs: 1500 } }));
    await runConsumer([{ body: queue.messages.at(-1) }]);
    expect((await expectOk(await api(test, `/generations/${id}`), GenerationSchema)).status).toBe("PROCESSING");
    expect(queue.messages.at(-1)).toMatchObject({ generationId: id, poll: expect.anything() });
    await new Promise((r) => setTimeout(r, 1600));
    await runToEnd(id);
    expect((await expectOk(await api(test, `/generations/${id}`), GenerationSchema)).status).toBe("COMPLETED");
  });

  it("the result carries a red TEST mark drawn into its top-left corner; a live mock result is the photo unchanged", async () => {
    const { live, test, liveBody, testBody } = await bothModes();
    const person = await decodeImage(await personJpeg());
    const testId = await accepted(await tryOn(test, testBody));
    await runToEnd(testId);
    const view = await expectOk(await api(test, `/generations/${testId}`), GenerationSchema);
    const bytes = new Uint8Array(await (await fetchThroughWorker(view.resultImageUrl as string)).arrayBuffer());
    const img = await decodeImage(bytes);
    expect([img.width, img.height]).toEqual([person.width, person.height]);
    const box = testMarkBox(img.width, img.height);
    const at = (x: number, y: number) => Array.from(img.data.slice((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));
    const red = at(box.x + Math.floor(box.cell / 2), box.y + Math.floor(box.cell / 2));
    for (const [i, v] of red.entries()) expect(Math.abs(v - (TEST_MARK_RED[i] as number)), `channel ${i}`).toBeLessThan(40);
    // Outside the label the photo is untouched (up to JPEG noise).
    const far = at(img.width - 2, img.height - 2);
    const orig = Array.from(person.data.slice(((img.height - 2) * img.width + img.width - 2) * 4, ((img.height - 2) * img.width + img.width - 2) * 4 + 3));
    for (const [i, v] of far.entries()) expect(Math.abs(v - (orig[i] as number))).toBeLessThan(24);

    // Live mode: a product titled `mock` still answers the photo unchanged (Genlook parity).
    await registerProduct(live, "mock-live", "mock");
    const liveId = await accepted(await tryOn(live, { ...liveBody, products: [{ externalId: "mock-live" }] }));
    await runToEnd(liveId);
    const liveView = await expectOk(await api(live, `/generations/${liveId}`), GenerationSchema);
    const liveBytes = new Uint8Array(await (await fetchThroughWorker(liveView.resultImageUrl as string)).arrayBuffer());
    expect(liveBytes).toEqual(await personJpeg());
  });

  it("a photo the Worker cannot decode (HEIC) completes with the photo unmarked", async () => {
    const { test, testBody } = await bothModes();
    const heic = makeHeic(600, 800);
    const form = new FormData();
    form.set("file", filePart(heic, "me.heic", "image/heic"));
    const heicId = (await expectOk(await api(test, "/images/upload", { method: "POST", body: form }), ImageSchema, 201)).imageId;
    const id = await accepted(await tryOn(test, { ...testBody, person: { image: { source: { id: heicId } } } }));
    await runToEnd(id);
    const view = await expectOk(await api(test, `/generations/${id}`), GenerationSchema);
    expect(view.status).toBe("COMPLETED");
    const bytes = new Uint8Array(await (await fetchThroughWorker(view.resultImageUrl as string)).arrayBuffer());
    expect(bytes).toEqual(heic);
  });

  it("`mock:<CODE>` product titles work in test mode too", async () => {
    const { test, testBody } = await bothModes();
    await registerProduct(test, "mock-pose", "mock:MODEL_POSE_UNSUPPORTED");
    const id = await accepted(await tryOn(test, { ...testBody, products: [{ externalId: "mock-pose" }] }));
    await runToEnd(id);
    expect((await genRow(id)).error_code).toBe("MODEL_POSE_UNSUPPORTED");
  });

  it("webhook events of test generations go to test endpoints only, with livemode false", async () => {
    const { live, test, testBody } = await bothModes();
    const liveEndpoint = await createEndpoint(live);
    const testEndpoint = await createEndpoint(test);
    expect([liveEndpoint.livemode, testEndpoint.livemode]).toEqual([true, false]);
    const id = await accepted(await tryOn(test, { ...testBody, test: { outcome: "NSFW_CONTENT_BLOCKED" } }));
    await runToEnd(id);
    const rows = await env.DB.prepare("SELECT endpoint_id, payload FROM webhook_deliveries WHERE generation_id = ?")
      .bind(id)
      .all<{ endpoint_id: string; payload: string }>();
    expect(rows.results.map((r) => r.endpoint_id)).toEqual([testEndpoint.id]);
    const payload = JSON.parse(rows.results[0]?.payload ?? "{}");
    expect(payload).toMatchObject({
      type: "generation.failed",
      livemode: false,
      data: { generationId: id, livemode: false, errorCode: "NSFW_CONTENT_BLOCKED" },
    });
  });
});

describe("DELETE /test/data", () => {
  it("erases the twin's rows and R2 bytes, resets its balance, and leaves live data alone", async () => {
    const { live, test, liveBody, testBody } = await bothModes();
    const twin = testAccountIdOf(live.accountId);
    await createEndpoint(live);
    await createEndpoint(test);
    const liveGen = await accepted(await tryOn(live, liveBody));
    const testGen = await accepted(await tryOn(test, testBody));
    await runToEnd(liveGen);
    await runToEnd(testGen);
    const keysOf = async (accountId: string) =>
      (await env.DB.prepare("SELECT r2_key FROM images WHERE account_id = ?").bind(accountId).all<{ r2_key: string }>()).results.map((r) => r.r2_key);
    const liveKeys = await keysOf(live.accountId);
    const testKeys = await keysOf(twin);
    expect(testKeys.length).toBeGreaterThanOrEqual(3); // garment, person, result
    for (const k of testKeys) expect(await env.BUCKET.head(k)).not.toBeNull();
    const liveCounts = await counts(live.accountId);
    const liveBalance = await expectLedgerBalances(live.accountId);

    // Read once: a terminal generation is now cached in this isolate, and the reset must drop it.
    expect((await expectOk(await api(test, `/generations/${testGen}`), GenerationSchema)).status).toBe("COMPLETED");
    await expectEnvelope(await api(live, "/test/data", { method: "DELETE" }), 403, "TEST_MODE_ONLY");
    const erased = await expectOk(await api(test, "/test/data", { method: "DELETE" }), TestDataErasedSchema, 202);
    expect(erased).toEqual({
      livemode: false,
      deleted: { generations: 1, products: 1, images: testKeys.length, imagesDeferred: 0, webhookEndpoints: 1, webhookDeliveries: 1 },
      creditBalance: DAILY,
    });
    expect(await counts(twin)).toEqual({ generations: 0, images: 0, products: 0 });
    const left = async (table: string) =>
      (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE account_id = ?`).bind(twin).first<{ n: number }>())?.n;
    expect([await left("webhook_endpoints"), await left("webhook_deliveries")]).toEqual([0, 0]);
    for (const k of testKeys) expect(await env.BUCKET.head(k)).toBeNull();
    expect(await counts(live.accountId)).toEqual(liveCounts);
    for (const k of liveKeys) expect(await env.BUCKET.head(k)).not.toBeNull();
    expect(await expectLedgerBalances(live.accountId)).toEqual(liveBalance);
    expect((await expectOk(await api(live, `/generations/${liveGen}`), GenerationSchema)).status).toBe("COMPLETED");
    await expectEnvelope(await api(test, `/generations/${testGen}`), 404, "GENERATION_NOT_FOUND");
    // Idempotent: nothing left to erase.
    const again = await expectOk(await api(test, "/test/data", { method: "DELETE" }), TestDataErasedSchema, 202);
    expect(again.deleted).toEqual({ generations: 0, products: 0, images: 0, imagesDeferred: 0, webhookEndpoints: 0, webhookDeliveries: 0 });
  });
});
