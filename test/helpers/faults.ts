// Fault injection for tests: a generation's D1 write and Durable Object RPCs that fail the ways production can.
import { env } from "cloudflare:workers";
import { vi } from "vitest";

/** The generation row's insert (the first statement of its D1 batch). */
export const GENERATION_INSERT = /^insert into "generations"/i;
const GENERATION_WITHDRAWAL = /^delete from "generations"/i;

/** Makes the generation's D1 batch throw, before it commits or after (the real batch ran); optionally the withdrawal batch too. */
export function breakGenerationWrite(when: "before-commit" | "after-commit", withdrawal: "works" | "throws" = "works"): () => void {
  let armed = true;
  const real = env.DB.batch.bind(env.DB);
  vi.spyOn(env.DB, "batch").mockImplementation(async (stmts) => {
    const sql = (stmts[0] as unknown as { statement?: string } | undefined)?.statement ?? "";
    if (armed && GENERATION_INSERT.test(sql)) {
      if (when === "after-commit") await real(stmts);
      throw new Error(`D1 connection reset (test, ${when})`);
    }
    if (armed && withdrawal === "throws" && GENERATION_WITHDRAWAL.test(sql)) throw new Error("D1 unavailable (test)");
    return real(stmts);
  });
  return () => {
    armed = false;
  };
}

/** The account's generation rows in D1, oldest first. */
export async function generationRows(accountId: string): Promise<Array<{ id: string; status: string }>> {
  const { results } = await env.DB.prepare("SELECT id, status FROM generations WHERE account_id = ? ORDER BY id")
    .bind(accountId)
    .all<{ id: string; status: string }>();
  return results;
}

/**
 * Makes RPCs of one Durable Object namespace fail: "reject" = the call never
 * reaches the object; "lose-answer" = the object does the work, then the caller
 * gets an error. The objects run in this isolate, so the AccountGate calls a
 * KeyGate makes fail too.
 */
export function breakObjects(binding: "KEY_GATE" | "ACCOUNT_GATE", methods: string[], mode: "reject" | "lose-answer"): () => void {
  let armed = true;
  const ns = env[binding] as unknown as DurableObjectNamespace;
  const real = ns.get.bind(ns);
  const spy = vi.spyOn(ns, "get").mockImplementation((id) => {
    const stub = real(id);
    return new Proxy(stub, {
      get(target, prop) {
        if (prop === "then") return undefined;
        // A member call on the stub itself (an RPC stub answers any property as a remote method).
        const call = (...args: unknown[]) => (target as unknown as Record<string | symbol, (...a: unknown[]) => Promise<unknown>>)[prop]?.(...args);
        if (!armed || typeof prop !== "string" || !methods.includes(prop)) return call;
        if (mode === "reject") return () => Promise.reject(new Error(`object unreachable (test: ${prop})`));
        return async (...args: unknown[]) => {
          await call(...args);
          throw new Error(`object answer lost (test: ${prop})`);
        };
      },
    });
  });
  // Healing also removes the spy, so a later break or hold wraps the real namespace, not this one.
  return () => {
    armed = false;
    spy.mockRestore();
  };
}
