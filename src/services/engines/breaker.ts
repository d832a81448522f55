import { ENGINE_NAMES, type EngineName } from "../../config";
import type { ServiceContext } from "../../context";
import { type BreakerRule, type BreakerState, engineBreaker } from "../../durable/engine-breaker";
import { describeError, log } from "../../lib/logger";

/**
 * The consumer's side of the per-engine circuit breakers (src/durable/engine-breaker). The mock
 * engine runs in the Worker and is never skipped, so it has no breaker. A breaker that cannot
 * be reached fails open: routing keeps working, only the skipping stops.
 */

function ruleOf(ctx: ServiceContext): BreakerRule {
  return { threshold: ctx.config.ENGINE_BREAKER_THRESHOLD, cooldownMs: ctx.config.ENGINE_BREAKER_COOLDOWN_SECONDS * 1000, at: ctx.now() };
}

function guarded(engine: string): boolean {
  return engine !== "mock";
}

/**
 * `allowed` when the engine may be called now (closed, or this caller holds the half-open probe);
 * `clean` when the breaker is closed with no outage counted, so a success need not be reported
 * (the common case costs one breaker call, not two).
 */
export async function admitEngine(ctx: ServiceContext, engine: string): Promise<{ allowed: boolean; clean: boolean }> {
  if (!guarded(engine)) return { allowed: true, clean: true };
  try {
    const { allowed, state } = await engineBreaker(ctx.env, engine).admit(ruleOf(ctx));
    return { allowed, clean: state.state === "closed" && state.consecutiveFailures === 0 };
  } catch (err) {
    log("warn", "engine breaker unreachable; calling the engine", { engine, error: describeError(err) });
    return { allowed: true, clean: false };
  }
}

/** Reports a call's answer: `ok` (the engine answered, whatever it said) or an outage (transient trouble). */
export async function reportEngine(ctx: ServiceContext, engine: string, ok: boolean): Promise<void> {
  if (!guarded(engine)) return;
  try {
    const state = await engineBreaker(ctx.env, engine).report(ok, ruleOf(ctx));
    if (!ok && state.state !== "closed") log("warn", "engine breaker open", { engine, consecutiveFailures: state.consecutiveFailures });
  } catch (err) {
    log("warn", "engine breaker unreachable; outcome not recorded", { engine, ok, error: describeError(err) });
  }
}

export type EngineBreakerView = BreakerState & { engine: EngineName };

/** Every configured engine's breaker (mock's is always closed: it has none). */
export async function listEngineBreakers(ctx: ServiceContext): Promise<EngineBreakerView[]> {
  const rule = ruleOf(ctx);
  return Promise.all(
    ENGINE_NAMES.map(async (engine): Promise<EngineBreakerView> => {
      if (!guarded(engine)) return { engine, state: "closed", consecutiveFailures: 0, openedAt: null, reopensAt: null };
      return { engine, ...(await engineBreaker(ctx.env, engine).state(rule)) };
    }),
  );
}

/** Operator reset of one engine's breaker: closed, failures forgotten. */
export async function resetEngineBreaker(ctx: ServiceContext, engine: EngineName): Promise<EngineBreakerView> {
  if (!guarded(engine)) return { engine, state: "closed", consecutiveFailures: 0, openedAt: null, reopensAt: null };
  return { engine, ...(await engineBreaker(ctx.env, engine).reset(ruleOf(ctx))) };
}
