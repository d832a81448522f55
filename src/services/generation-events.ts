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

export async function onGenerationFinished(_env: Env, _event: GenerationFinished): Promise<void> {}
