import { accountGate, type CreditSummary, gateCall, type SettleResult } from "../../durable/account-gate";
import { keyGate } from "../../durable/key-gate";
import { movingCredits } from "../admission";

/**
 * The credits seam's side of key shards (docs/scaling.md): settling a credit a
 * shard charged, and an exact summary of an account whose credits are partly
 * leased out to shards.
 */

/** Settles at the key's shard; null when there is no key or the shard never charged this generation. */
export async function shardSettle(
  env: Env,
  accountId: string,
  keyId: string | null | undefined,
  generationId: string,
  op: "commit" | "refund" | "withdraw",
  reason: string,
  enabled: boolean,
): Promise<SettleResult | null> {
  if (!enabled || !keyId) return null;
  const ref = { accountId, keyId };
  const shard = keyGate(env, ref);
  return gateCall(op, () =>
    op === "commit" ? shard.commit(ref, generationId) : op === "refund" ? shard.refund(ref, generationId, reason) : shard.withdraw(ref, generationId, reason),
  );
}

/**
 * Every shard that leased from the account gives its unused credits back
 * first (each answers only once they are on the account's ledger), so the
 * balance read next is exact; held and spent credits are the account's plus
 * every shard's. A try-on racing this read may take a new block just after:
 * the answer is exact as of the read, as any balance is.
 */
export async function exactSummary(env: Env, accountId: string): Promise<CreditSummary> {
  const gate = accountGate(env, accountId);
  const names = await gateCall("summary", () => gate.leaseShards());
  // The shards' returns change the balance.
  const stats = await movingCredits(accountId, () =>
    gateCall("summary", () =>
      Promise.all(
        names.map((name) => {
          const [, keyId = ""] = name.split("/");
          const ref = { accountId, keyId };
          return keyGate(env, ref).release(ref, "exact balance read");
        }),
      ),
    ),
  );
  const base = await gateCall("summary", () => gate.summary());
  const usage = { ...base.usageToday };
  let reserved = base.reserved;
  let spent = base.spent;
  for (const s of stats) {
    reserved += s.held;
    spent += s.committed;
    if (s.usageToday.day === usage.day) {
      usage.reserved += s.usageToday.reserved;
      usage.committed += s.usageToday.committed;
      usage.refunded += s.usageToday.refunded;
      usage.pending += s.usageToday.pending;
    }
  }
  return { ...base, reserved, spent, usageToday: usage };
}
