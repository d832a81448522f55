/**
 * Plain data crossing the EngineBreaker RPC boundary. The caller passes the instant (`at`, from
 * its ServiceContext clock) and the thresholds from its configuration, so tests can move time
 * and configuration stays in one place.
 */
export interface BreakerRule {
  /** Consecutive outages that open the breaker. */
  threshold: number;
  /** How long an open breaker skips the engine before one probe is let through. */
  cooldownMs: number;
  at: number;
}

/** closed: calls go through; open: the engine is skipped; half-open: the cool-down is over and one probe may run. */
export type BreakerStateName = "closed" | "open" | "half-open";

export interface BreakerState {
  state: BreakerStateName;
  consecutiveFailures: number;
  /** When the breaker last opened (epoch ms), or null while closed. */
  openedAt: number | null;
  /** When an open breaker lets its next probe through (epoch ms), or null while closed. */
  reopensAt: number | null;
}

/** The EngineBreaker's RPC surface (one object per engine name, fleet-wide). */
export interface EngineBreakerRpc {
  /** May this call run? Closed: yes. Open past its cool-down: yes for exactly one probe, then no until it reports. */
  admit(rule: BreakerRule): Promise<{ allowed: boolean; state: BreakerState }>;
  /** What the call answered: `ok` closes the breaker; an outage counts, and opens it at the threshold (or at once in half-open). */
  report(ok: boolean, rule: BreakerRule): Promise<BreakerState>;
  state(rule: BreakerRule): Promise<BreakerState>;
  /** Operator reset: closed, no failures counted. */
  reset(rule: BreakerRule): Promise<BreakerState>;
}
