import { env } from "cloudflare:workers";
import { getConfig } from "../../../src/config";
import { accountGate, accountGateStub } from "../../../src/durable/account-gate/client";
import { exactSummary } from "../../../src/services/credits/shards";
import { admin } from "../../helpers/harness";

export { accountGate, accountGateStub };

/** Grants credits through the operator API (what an operator or the demo seed does). */
export async function grantCredits(accountId: string, amount: number, reference?: string): Promise<Response> {
  return admin(`/admin/v1/accounts/${accountId}/credits`, { method: "POST", json: { amount, reason: "test grant", ...(reference ? { reference } : {}) } });
}

/** The ledger invariants every test re-checks: sum of entries = balance; granted − spent − held = balance; never negative. */
export async function expectLedgerBalances(accountId: string): Promise<{ balance: number; reserved: number; spent: number }> {
  const gate = accountGate(env, accountId);
  // With key shards on (DRAPE_GATE_SHARDS=on), their unused blocks come back first and their held and spent credits count.
  const s = getConfig(env).GATE_SHARDS === "on" ? await exactSummary(env, accountId) : await gate.summary();
  const { sum } = await gate.ledgerSum();
  if (sum !== s.balance) throw new Error(`ledger sum ${sum} != balance ${s.balance}`);
  if (s.granted - s.spent - s.reserved !== s.balance) throw new Error(`granted ${s.granted} − spent ${s.spent} − held ${s.reserved} != balance ${s.balance}`);
  if (s.balance < 0) throw new Error(`negative balance ${s.balance}`);
  return { balance: s.balance, reserved: s.reserved, spent: s.spent };
}

let seq = 0;
/** A generation id shaped like the real ones (unique per call). */
export function genId(): string {
  seq++;
  return `gen_${Date.now().toString(36).padStart(8, "0").slice(-8)}${String(seq).padStart(16, "0")}`;
}
