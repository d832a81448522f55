import { getConfig } from "../../config";
import { type AccountGateClient, accountGate } from "../../durable/account-gate";
import { keyGate } from "../../durable/key-gate";
import { isTestAccountId } from "../../lib/modes";

/**
 * Which object takes a request's per-request decisions (rate limit,
 * Idempotency-Key record, credit charge): the account's AccountGate, or with
 * GATE_SHARDS=on the API key's own KeyGate (docs/scaling.md). Decided once per
 * request from the key's account, so the admission call, the charge and the
 * idempotency completion of one request always meet in the same object.
 *
 * Not sharded, whatever the flag: test-mode keys (their ledger has the daily
 * refill and the settable balance, and test traffic is small) and accounts
 * with a daily spend cap (a cap across keys needs the account's one count).
 */
export interface GateRoute {
  accountId: string;
  keyId: string;
  sharded: boolean;
}

export function gateRoute(env: Env, accountId: string, keyId: string, accountSpendCapPerDay: number | null): GateRoute {
  const sharded = getConfig(env).GATE_SHARDS === "on" && !isTestAccountId(accountId) && accountSpendCapPerDay === null;
  return { accountId, keyId, sharded };
}

/** True when live try-ons of this account may be charged by key shards (settlement asks the shard first). */
export function shardsOn(env: Env, accountId: string): boolean {
  return getConfig(env).GATE_SHARDS === "on" && !isTestAccountId(accountId);
}

export type RequestGate = Pick<AccountGateClient, "admit" | "countRequest" | "completeIdempotency" | "reserve">;

/** The gate of a request's route. */
export function requestGate(env: Env, route: GateRoute): RequestGate {
  if (!route.sharded) return accountGate(env, route.accountId);
  const ref = { accountId: route.accountId, keyId: route.keyId };
  const shard = keyGate(env, ref);
  return {
    admit: (input) => shard.admit(ref, input),
    countRequest: (rate) => shard.countRequest(ref, rate),
    completeIdempotency: (key, owner, response) => shard.completeIdempotency(ref, key, owner, response),
    reserve: (input) => shard.reserve(ref, input),
  };
}
