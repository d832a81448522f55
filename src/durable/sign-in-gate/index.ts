export { signInGate } from "./client";
export { SignInGate } from "./gate";
export type { SignInGateRpc, ThrottleRule, ThrottleState } from "./types";
