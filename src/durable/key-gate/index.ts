export { keyGate, shardName } from "./client";
export { KeyGate } from "./gate";
export type { ShardRef, ShardStats } from "./types";
