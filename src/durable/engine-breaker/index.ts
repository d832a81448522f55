export { EngineBreaker } from "./breaker";
export { engineBreaker } from "./client";
export type { BreakerRule, BreakerState, BreakerStateName, EngineBreakerRpc } from "./types";
