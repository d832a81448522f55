import type { AppConfig } from "../../src/config";
import { backgroundContext, type ServiceContext } from "../../src/context";
import { env } from "./harness";

/**
 * A service context on the test bindings whose clock the test moves (`clock.advance(ms)`), and
 * whose configuration it may override: time-based rules are tested without touching `Date`.
 */
export function testContext(overrides: Partial<AppConfig> = {}): { ctx: ServiceContext; clock: { now: number; advance(ms: number): void } } {
  const base = backgroundContext(env);
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      clock.now += ms;
    },
  };
  return { ctx: { ...base, config: { ...base.config, ...overrides }, now: () => clock.now }, clock };
}
