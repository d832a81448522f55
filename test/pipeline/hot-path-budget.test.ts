import { describe, expect, it, vi } from "vitest";
import { api, env } from "../helpers/harness";
import { fundedAccount, registerProduct, runConsumer, tryOn, uploadPerson, usePipelineQueues } from "./helpers";

const queue = usePipelineQueues();

/**
 * Counts what a request costs (the budgets in docs/try-on.md): D1 round trips (a batch is one; a
 * statement run outside a batch is one), Durable Object stubs taken (each
 * service call takes one stub for one RPC) and queue sends.
 */
function meter() {
  let d1 = 0;
  const realPrepare = env.DB.prepare.bind(env.DB);
  // A statement counts when it executes on its own; `bind` returns a new statement, so wrap that too.
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    for (const m of ["run", "all", "first", "raw"] as const) {
      const orig = stmt[m].bind(stmt) as (...a: unknown[]) => unknown;
      Object.defineProperty(stmt, m, { value: (...a: unknown[]) => (d1++, orig(...a)) });
    }
    const origBind = stmt.bind.bind(stmt);
    Object.defineProperty(stmt, "bind", { value: (...values: unknown[]) => wrap(origBind(...values)) });
    return stmt;
  };
  const prepare = vi.spyOn(env.DB, "prepare").mockImplementation((sql: string) => wrap(realPrepare(sql)));
  const realBatch = env.DB.batch.bind(env.DB);
  const batch = vi.spyOn(env.DB, "batch").mockImplementation((stmts) => (d1++, realBatch(stmts)));
  const stubs = vi.spyOn(env.ACCOUNT_GATE, "get");
  const sendsBefore = queue.messages.length;
  return {
    read: () => ({ d1, doCalls: stubs.mock.calls.length, queueSends: queue.messages.length - sendsBefore }),
    stop: () => {
      prepare.mockRestore();
      batch.mockRestore();
      stubs.mockRestore();
    },
  };
}

describe("hot-path budgets", () => {
  it("GET /generations/{id}: 1 D1 query + the rate-limit DO call (auth cached)", async () => {
    const acct = await fundedAccount(5);
    const imageId = await uploadPerson(acct);
    await registerProduct(acct, "budget-get");
    const res = await tryOn(acct, { products: [{ externalId: "budget-get" }], person: { image: { source: { id: imageId } } } });
    const { generationId } = (await res.json()) as { generationId: string };
    await runConsumer([{ body: queue.messages.at(-1) }]);
    expect((await api(acct, `/generations/${generationId}`)).status).toBe(200); // warms the auth cache

    const m = meter();
    const hot = await api(acct, `/generations/${generationId}`);
    const cost = m.read();
    m.stop();
    expect(hot.status).toBe(200);
    expect(await hot.json()).toMatchObject({ generationId, status: "COMPLETED" });
    expect(cost).toEqual({ d1: 1, doCalls: 1, queueSends: 0 });
  });

  it("POST /try-on with a referenced product and an uploaded image: ≤ 2 D1 round trips + 1 DO call + 1 queue send", async () => {
    const acct = await fundedAccount(5);
    const imageId = await uploadPerson(acct);
    await registerProduct(acct, "budget-post");
    expect((await api(acct, "/account")).status).toBe(200); // warms the auth cache

    const m = meter();
    const res = await tryOn(acct, { products: [{ externalId: "budget-post" }], person: { image: { source: { id: imageId } } } });
    const cost = m.read();
    m.stop();
    expect(res.status).toBe(202);
    expect(cost.d1).toBe(2); // one batched read (product + image), one batched write (generation + product touch)
    expect(cost.doCalls).toBe(1);
    expect(cost.queueSends).toBe(1);
  });
});
