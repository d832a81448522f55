import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { serverTimingHeader, stepTimingEnabled, timedEnv, withStepRecorder } from "../lib/step-timing";

/**
 * Profiling only (docs/performance.md, "Hot paths"): with `DRAPE_STEP_TIMING = "true"` every
 * response carries a `Server-Timing` header with the request's storage calls, each timed. Off by
 * default; when off it costs one comparison (and, not being an async function, no promise of its own).
 */
export const stepTiming: MiddlewareHandler<AppEnv> = (c, next) => (stepTimingEnabled(c.env.DRAPE_STEP_TIMING) ? timed(c, next) : next());

const timed: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.env = timedEnv(c.env);
  const started = performance.now();
  const { recorder } = await withStepRecorder(() => next());
  const value = serverTimingHeader(recorder, performance.now() - started);
  try {
    c.res.headers.set("server-timing", value);
  } catch {
    // An immutable response (a proxied fetch): copy it to add the header.
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set("server-timing", value);
  }
};
