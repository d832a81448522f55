import { describe, expect, it } from "vitest";
import { GenerationSchema } from "../../src/schemas/generations";
import { TryOnAcceptedSchema } from "../../src/schemas/tryon-generations";
import { api, apiWithEnv, readWire } from "../helpers/harness";
import { meter as meterCalls } from "../helpers/meter";
import { harnessDelivers, REQUEST_DELIVERY } from "../helpers/outbox-delivery";
import { env, fundedAccount, registerProduct, runConsumer, tryOn, uploadPerson, usePipelineQueues } from "../helpers/pipeline";

const queue = usePipelineQueues();
const meter = () => meterCalls(() => queue.messages.length);

describe("hot-path budgets", () => {
  it("GET /generations/{id} while PENDING: 1 D1 query + the rate-limit DO call (auth cached); a pending row is never cached", async () => {
    const acct = await fundedAccount(5);
    const imageId = await uploadPerson(acct);
    await registerProduct(acct, "budget-pending");
    const res = await tryOn(acct, { products: [{ externalId: "budget-pending" }], person: { image: { source: { id: imageId } } } });
    const { generationId } = await readWire(res, TryOnAcceptedSchema);
    expect((await api(acct, `/generations/${generationId}`)).status).toBe(200); // warms the auth cache

    const m = meter();
    const hot = await api(acct, `/generations/${generationId}`);
    const cost = m.read();
    m.stop();
    expect(await readWire(hot, GenerationSchema)).toMatchObject({ generationId, status: "PENDING" });
    expect(cost).toEqual({ d1: 1, doCalls: 1, queueSends: 0 });
  });

  it("GET /generations/{id} once terminal: the rate-limit DO call only, no D1 (terminal generations cached per isolate)", async () => {
    const acct = await fundedAccount(5);
    const imageId = await uploadPerson(acct);
    await registerProduct(acct, "budget-get");
    const res = await tryOn(acct, { products: [{ externalId: "budget-get" }], person: { image: { source: { id: imageId } } } });
    const { generationId } = await readWire(res, TryOnAcceptedSchema);
    await runConsumer([{ body: queue.messages.at(-1) }]);
    expect((await api(acct, `/generations/${generationId}`)).status).toBe(200); // warms the auth cache

    const m = meter();
    const hot = await api(acct, `/generations/${generationId}`);
    const cost = m.read();
    m.stop();
    expect(hot.status).toBe(200);
    const view = await readWire(hot, GenerationSchema);
    expect(view).toMatchObject({ generationId, status: "COMPLETED" });
    expect(view.resultImageUrl).toMatch(/^https?:\/\/.+\/files\//);
    expect(cost).toEqual({ d1: 0, doCalls: 1, queueSends: 0 });
  });

  // Request delivery's counts (this one and the two with a key): with the outbox suite, the harness's delivery would count too.
  it.skipIf(!REQUEST_DELIVERY)(
    "POST /try-on with a referenced product and an uploaded image (both known to the isolate): 1 D1 round trip + 1 DO call + 1 queue send",
    async () => {
      const acct = await fundedAccount(5);
      const imageId = await uploadPerson(acct);
      await registerProduct(acct, "budget-post");
      expect((await api(acct, "/account")).status).toBe(200); // warms the auth cache

      const m = meter();
      const res = await tryOn(acct, { products: [{ externalId: "budget-post" }], person: { image: { source: { id: imageId } } } });
      const cost = m.read();
      m.stop();
      expect(res.status).toBe(202);
      // No read: the upload and the registration left both rows in this isolate's refs cache; one batched write (generation + product touch).
      expect(cost.d1).toBe(1);
      expect(cost.doCalls).toBe(1);
      expect(cost.queueSends).toBe(1);
    },
  );

  for (const route of ["/try-on", "/try-on/sync?wait=0"]) {
    it.skipIf(!REQUEST_DELIVERY)(`POST ${route} with an Idempotency-Key: 3 DO calls (admit, reserve with its recorded answer, complete)`, async () => {
      const acct = await fundedAccount(5);
      const imageId = await uploadPerson(acct);
      await registerProduct(acct, "budget-key");
      expect((await api(acct, "/account")).status).toBe(200); // warms the auth cache

      const m = meter();
      const res = await tryOn(acct, { products: [{ externalId: "budget-key" }], person: { image: { source: { id: imageId } } } }, route, {
        "idempotency-key": crypto.randomUUID(),
      });
      const cost = m.read();
      m.stop();
      expect(res.status).toBe(202);
      expect(cost.doCalls).toBe(3);
      expect(cost.queueSends).toBe(1);
    });
  }
  it("POST /try-on with GENERATION_DELIVERY=outbox, referenced product and uploaded image: 1 DO call, no D1, no queue send (the gate delivers after the 202)", async () => {
    const acct = await fundedAccount(5);
    const imageId = await uploadPerson(acct);
    await registerProduct(acct, "budget-outbox");
    const outboxEnv = { ...env, GENERATION_DELIVERY: "outbox" } as Env;
    expect((await api(acct, "/account")).status).toBe(200); // warms the auth cache

    harnessDelivers(false);
    try {
      const m = meter();
      const res = await apiWithEnv(outboxEnv, acct, "/try-on", {
        method: "POST",
        json: { products: [{ externalId: "budget-outbox" }], person: { image: { source: { id: imageId } } } },
      });
      const cost = m.read();
      m.stop();
      expect(res.status).toBe(202);
      expect(cost).toEqual({ d1: 0, doCalls: 1, queueSends: 0 });
    } finally {
      harnessDelivers(true);
    }
  });
});
