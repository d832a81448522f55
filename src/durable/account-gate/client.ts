import type { AccountGateClient } from "./rpc";

export type { AccountGateClient } from "./rpc";

export function accountGateStub(env: Env, accountId: string) {
  return env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(accountId));
}

/**
 * The typed client of an account's AccountGate (one object per account,
 * addressed by name). The stub itself is the client, without a cast:
 * `DurableObjectStub<AccountGate>` answers each `AccountGateRpc` method with
 * `Rpc.Result<R>`, a Promise of the same structured-clone value (plus
 * `Disposable`), which is assignable to `Promise<R>`. The one thing RPC typing
 * changes is that tuples widen to arrays, which is why the types that cross
 * the boundary use none (`StoredResponse.headers` is `string[][]`). Stubs are
 * cheap: make one per request, never share one across requests.
 */
export function accountGate(env: Env, accountId: string): AccountGateClient {
  return accountGateStub(env, accountId);
}
