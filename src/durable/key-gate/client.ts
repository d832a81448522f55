import type { ShardRef } from "./types";

/** The shard's object name: one KeyGate per (account, API key). */
export function shardName(ref: ShardRef): string {
  return `${ref.accountId}/${ref.keyId}`;
}

/** The stub of a key's shard (typed from the class; make one per request). */
export function keyGate(env: Env, ref: ShardRef | string) {
  const name = typeof ref === "string" ? ref : shardName(ref);
  return env.KEY_GATE.get(env.KEY_GATE.idFromName(name));
}
