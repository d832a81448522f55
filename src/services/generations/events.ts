import { backgroundContext } from "../../context";
import { createGenerationDeliveries, type GenerationFinished } from "../webhooks";

/**
 * The "generation finished" seam: the pipeline calls this exactly once per
 * generation, after its terminal transition is committed. It builds the
 * `generation.completed` / `generation.failed` event (data = the generation
 * exactly as GET /generations/:id shows it, with a fresh result URL) and
 * enqueues one delivery per subscribed enabled endpoint plus one for the
 * per-request URL. A repeated call for the same generation (a queue
 * redelivery) is a no-op. Throws only on infrastructure errors (D1, queue),
 * so the caller's message can retry.
 */
export async function onGenerationFinished(env: Env, event: GenerationFinished): Promise<void> {
  await createGenerationDeliveries(backgroundContext(env), event);
}
