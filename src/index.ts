import { type App, createApp } from "./app";
import { deploymentProblems } from "./config";
import { runSweep } from "./cron/sweep";
import { logQueueSteps, stepTimingEnabled } from "./lib/step-timing";
import { dispatchQueue, QUEUE_CONSUMERS } from "./queues";

export { AccountGate } from "./durable/account-gate";
export { EngineBreaker } from "./durable/engine-breaker";
export { KeyGate } from "./durable/key-gate";
export { SignInGate } from "./durable/sign-in-gate";

// Built on first use, not at import time, so isolate start-up stays cheap.
let app: App | undefined;

/** A misconfigured deployment holds its queue messages this long, then they come back (docs/deployment.md). */
const MISCONFIGURED_RETRY_DELAY_SECONDS = 300;

export default {
  fetch(request, env, ctx) {
    app ??= createApp();
    return app.fetch(request, env, ctx);
  },
  async queue(batch, env, ctx) {
    // Background work would build localhost URLs or fail to open secrets: wait for the fix instead.
    if (deploymentProblems(env).length > 0) {
      batch.retryAll({ delaySeconds: MISCONFIGURED_RETRY_DELAY_SECONDS });
      return;
    }
    if (stepTimingEnabled(env.DRAPE_STEP_TIMING)) {
      await logQueueSteps(batch.queue, batch.messages.length, env, (timed) => dispatchQueue(QUEUE_CONSUMERS, batch, timed, ctx));
      return;
    }
    await dispatchQueue(QUEUE_CONSUMERS, batch, env, ctx);
  },
  async scheduled(controller, env, ctx) {
    if (deploymentProblems(env).length > 0) return;
    ctx.waitUntil(runSweep(env, controller.scheduledTime));
  },
  // `satisfies` keeps the handler types checked while wrangler sees a plain default export.
} satisfies ExportedHandler<Env, unknown>;
