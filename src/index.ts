import { createApp, type App } from "./app";
import { runSweep } from "./cron/sweep";
import { dispatchQueue } from "./queues/dispatch";
import { QUEUE_CONSUMERS } from "./queues";

export { AccountGate } from "./durable/account-gate";

// Built on first use, not at import time, so isolate start-up stays cheap.
let app: App | undefined;

export default {
  fetch(request, env, ctx) {
    app ??= createApp();
    return app.fetch(request, env, ctx);
  },
  async queue(batch, env, ctx) {
    await dispatchQueue(QUEUE_CONSUMERS, batch, env, ctx);
  },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runSweep(env, controller.scheduledTime));
  },
  // `satisfies` keeps the handler types checked while wrangler sees a plain default export.
} satisfies ExportedHandler<Env, unknown>;
