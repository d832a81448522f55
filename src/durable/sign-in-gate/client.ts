import type { SignInGateRpc, ThrottleRule, ThrottleState } from "./types";

/**
 * The typed client of one subject's SignInGate (addressed by name). The casts restore the
 * answer types, which the generic RPC stub typing widens; a stub is made per call.
 */
export function signInGate(
  env: Env,
  subject: string,
): { [K in keyof SignInGateRpc]: (...a: Parameters<SignInGateRpc[K]>) => Promise<Awaited<ReturnType<SignInGateRpc[K]>>> } {
  const stub = env.SIGN_IN_GATE.get(env.SIGN_IN_GATE.idFromName(subject));
  return {
    hit: (rule: ThrottleRule) => stub.hit(rule) as unknown as Promise<ThrottleState>,
    clear: (action: string) => stub.clear(action) as unknown as Promise<void>,
    forgetOne: (action: string) => stub.forgetOne(action) as unknown as Promise<void>,
  };
}
