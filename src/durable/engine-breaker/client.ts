import type { BreakerRule, BreakerState, EngineBreakerRpc } from "./types";

/**
 * The typed client of one engine's breaker (addressed by the engine name). The casts restore the
 * answer types, which the generic RPC stub typing widens; a stub is made per call.
 */
export function engineBreaker(
  env: Env,
  engine: string,
): { [K in keyof EngineBreakerRpc]: (...a: Parameters<EngineBreakerRpc[K]>) => Promise<Awaited<ReturnType<EngineBreakerRpc[K]>>> } {
  const stub = env.ENGINE_BREAKER.get(env.ENGINE_BREAKER.idFromName(engine));
  return {
    admit: (rule: BreakerRule) => stub.admit(rule) as unknown as Promise<{ allowed: boolean; state: BreakerState }>,
    report: (ok: boolean, rule: BreakerRule) => stub.report(ok, rule) as unknown as Promise<BreakerState>,
    state: (rule: BreakerRule) => stub.state(rule) as unknown as Promise<BreakerState>,
    reset: (rule: BreakerRule) => stub.reset(rule) as unknown as Promise<BreakerState>,
  };
}
