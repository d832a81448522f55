import type { ServiceContext } from "../../context";
import * as repo from "../../db/repo/webhooks";
import { ApiError } from "../../errors";
import { log } from "../../lib/logger";
import { livemodeOf } from "../../lib/modes";
import { toIso } from "../../lib/time";
import type { GenerationView } from "../../schemas/generations";
import type { WebhookEventType } from "../../schemas/webhooks";
import { fashnCallbackPayload } from "../fashn-api";
import { loadGenerationView } from "../generations";
import { parseEvents } from "./endpoints";
import { createDeliveries } from "./enqueue";
import { ensureDefaultSecret } from "./secrets";
import { webhookUrlVerdict } from "./url-policy";

/** Turning a finished generation into deliveries: one per subscribed endpoint, plus the per-request URL. */

/** A generation's terminal transition, as the pipeline reports it. */
export interface GenerationFinished {
  accountId: string;
  generationId: string;
  status: "COMPLETED" | "FAILED";
  /** The per-request `webhookUrl`, if the try-on carried one. */
  webhookUrl: string | null;
}

/**
 * One delivery per enabled endpoint subscribed to the event, plus one for the
 * per-request URL. The dedupe key (generation × target) makes a second call
 * for the same generation create and enqueue nothing. Returns the deliveries
 * created by this call.
 */
export async function createGenerationDeliveries(ctx: ServiceContext, input: GenerationFinished): Promise<repo.WebhookDeliveryRow[]> {
  const eventType: WebhookEventType = input.status === "COMPLETED" ? "generation.completed" : "generation.failed";
  const endpoints = (await repo.listEnabledEndpoints(ctx.db, input.accountId)).filter((e) => parseEvents(e.events).includes(eventType));
  const perRequestUrl = input.webhookUrl ? webhookUrlVerdict(ctx, input.webhookUrl) : null;
  if (perRequestUrl && !perRequestUrl.ok) {
    // Validated at acceptance; a rule change since then (e.g. the dev flag) still wins.
    log("warn", "per-request webhook URL no longer allowed; skipped", { generationId: input.generationId, reason: perRequestUrl.reason });
  }
  const targets: Array<{ endpointId: string | null; url: string; dedupeKey: string; payload?: string }> = endpoints.map((e) => ({
    endpointId: e.id,
    url: e.url,
    dedupeKey: `gen:${input.generationId}:${e.id}`,
  }));
  if (perRequestUrl?.ok) {
    // A run through the FASHN facade gets FASHN's callback: the object its /v1/status answers.
    const fashn = await fashnCallbackPayload(ctx, input.accountId, input.generationId);
    targets.push({ endpointId: null, url: perRequestUrl.url, dedupeKey: `gen:${input.generationId}:request`, ...(fashn === null ? {} : { payload: fashn }) });
  }
  if (targets.length === 0) return [];

  let data: GenerationView | undefined;
  try {
    data = await loadGenerationView(ctx, input.accountId, input.generationId);
  } catch (err) {
    if (err instanceof ApiError && err.code === "GENERATION_NOT_FOUND") {
      log("warn", "finished generation not found; no webhook event", { generationId: input.generationId });
      return [];
    }
    throw err;
  }
  const now = ctx.now();
  const payload = JSON.stringify({ type: eventType, livemode: livemodeOf(input.accountId), timestamp: toIso(now), data });
  if (perRequestUrl?.ok) await ensureDefaultSecret(ctx, input.accountId); // created on first need, before the consumer races for it

  return createDeliveries(
    ctx,
    targets.map((t) => ({ accountId: input.accountId, ...t, generationId: input.generationId, eventType, payload: t.payload ?? payload })),
    now,
  );
}
