import { backgroundContext } from "../../context";
import { createGenerationDeliveries } from "../webhooks";

/**
 * The "generation finished" seam: the pipeline calls this exactly once per
 * generation, after its terminal transition is committed. The webhook layer
 * turns it into deliveries. It must be safe to call again for the same
 * generation (queue redeliveries): the webhook layer dedupes.
 */
export interface GenerationFinished {
  accountId: string;
  generationId: string;
  status: "COMPLETED" | "FAILED";
  /** The per-request `webhookUrl`, if the try-on carried one. */
  webhookUrl: string | null;
}

/**
 * Builds the `generation.completed` / `generation.failed` event (data = the
 * generation exactly as GET /generations/:id shows it, with a fresh result URL)
 * and enqueues one delivery per subscribed enabled endpoint plus one for the
 * per-request URL. A repeated call for the same generation is a no-op.
 * Throws only on infrastructure errors (D1, queue), so the caller's message can retry.
 */
export async function onGenerationFinished(env: Env, event: GenerationFinished): Promise<void> {
  await createGenerationDeliveries(backgroundContext(env), event);
}
