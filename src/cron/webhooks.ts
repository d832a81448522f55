import { backgroundContext } from "../context";
import { sweepWebhookDeliveries } from "../services/webhooks";
import type { SweepStep } from "./sweep";

/** Webhook delivery retention purge (WEBHOOK_RETENTION_DAYS, default 30) and re-enqueue of lost first messages. */
export const sweepWebhooks: SweepStep = (env, now) => sweepWebhookDeliveries({ ...backgroundContext(env), now: () => now });
