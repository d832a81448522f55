import { vi } from "vitest";
import { env } from "./harness";

/**
 * Counts what a request costs (the budgets in docs/try-on.md): D1 round trips (a batch is one; a
 * statement run outside a batch is one), Durable Object stubs taken (each
 * service call takes one stub for one RPC) and queue sends.
 */
export function meter(queueSends: () => number = () => 0) {
  let d1 = 0;
  const realPrepare = env.DB.prepare.bind(env.DB);
  // A statement counts when it executes on its own; `bind` returns a new statement, so wrap that too.
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    for (const m of ["run", "all", "first", "raw"] as const) {
      const orig = stmt[m].bind(stmt) as (...a: unknown[]) => unknown;
      Object.defineProperty(stmt, m, {
        value: (...a: unknown[]) => {
          d1++;
          return orig(...a);
        },
      });
    }
    const origBind = stmt.bind.bind(stmt);
    Object.defineProperty(stmt, "bind", { value: (...values: unknown[]) => wrap(origBind(...values)) });
    return stmt;
  };
  const prepare = vi.spyOn(env.DB, "prepare").mockImplementation((sql: string) => wrap(realPrepare(sql)));
  const realBatch = env.DB.batch.bind(env.DB);
  const batch = vi.spyOn(env.DB, "batch").mockImplementation((stmts) => {
    d1++;
    return realBatch(stmts);
  });
  const stubs = vi.spyOn(env.ACCOUNT_GATE, "get");
  const sendsBefore = queueSends();
  return {
    read: () => ({ d1, doCalls: stubs.mock.calls.length, queueSends: queueSends() - sendsBefore }),
    stop: () => {
      prepare.mockRestore();
      batch.mockRestore();
      stubs.mockRestore();
    },
  };
}
