import { type ApiClient, type PostOptions, postHeaders, type RequestOptions, unwrap } from "../core.js";
import { DrapeError } from "../errors.js";
import { Paginator } from "../pagination.js";
import { abortableSleep } from "../signals.js";
import { type Generation, isTerminal, type ListGenerationsQuery } from "../types.js";

export interface WaitOptions extends RequestOptions {
  /** How long to wait in all, in ms (default 120 000). Past it, a DrapeError `TIMEOUT` is thrown. */
  timeout?: number;
  /** The first pause between polls in ms (default 500); it grows ×1.5 up to `maxPollIntervalMs`. */
  pollIntervalMs?: number;
  /** The longest pause between polls in ms (default 5000). */
  maxPollIntervalMs?: number;
}

export const DEFAULT_WAIT_MS = 120_000;

/** Anything that names a generation: its id, or an object carrying `generationId`. */
export type GenerationRef = string | { generationId: string };

const idOf = (ref: GenerationRef) => (typeof ref === "string" ? ref : ref.generationId);

export class GenerationsResource {
  constructor(
    private readonly api: ApiClient,
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void> = abortableSleep,
  ) {}

  /** A generation; `resultImageUrl` is signed afresh on every read. */
  get(ref: GenerationRef, opts?: RequestOptions): Promise<Generation> {
    return unwrap(this.api.GET("/tryon/v1/generations/{id}", { params: { path: { id: idOf(ref) } }, signal: opts?.signal }));
  }

  /** Every generation matching `query`, newest first: `for await (const g of drape.generations.list())`. */
  list(query: Omit<ListGenerationsQuery, "cursor"> = {}, opts?: RequestOptions): Paginator<Generation> {
    return new Paginator((cursor) =>
      unwrap(this.api.GET("/tryon/v1/generations", { params: { query: { ...query, ...(cursor ? { cursor } : {}) } }, signal: opts?.signal })),
    );
  }

  /** Cancels a PENDING or PROCESSING generation and refunds its credit (a finished one: 409). */
  cancel(ref: GenerationRef, opts?: PostOptions): Promise<Generation> {
    return unwrap(
      this.api.POST("/tryon/v1/generations/{id}/cancel", { params: { path: { id: idOf(ref) } }, headers: postHeaders(opts), signal: opts?.signal }),
    );
  }

  /**
   * Polls until the generation is COMPLETED or FAILED and returns it (a FAILED one is returned,
   * not thrown: read its `errorCode` and `retryable`). Polls back off from `pollIntervalMs` to
   * `maxPollIntervalMs`; each poll's own failures are retried like any call. Throws a DrapeError
   * `TIMEOUT` (details: the last generation seen) when `timeout` passes first, and the signal's
   * reason when it aborts. `tryOn.run` holds the request on the server first, then calls this.
   */
  async waitFor(ref: GenerationRef, opts: WaitOptions = {}): Promise<Generation> {
    const timeout = opts.timeout ?? DEFAULT_WAIT_MS;
    const deadline = Date.now() + timeout;
    let pause = opts.pollIntervalMs ?? 500;
    const maxPause = opts.maxPollIntervalMs ?? 5000;
    for (;;) {
      const generation = await this.get(ref, opts);
      if (isTerminal(generation.status)) return generation;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new DrapeError({
          code: "TIMEOUT",
          message: `Generation ${idOf(ref)} is still ${generation.status} after ${timeout} ms`,
          status: 0,
          details: generation,
        });
      }
      await this.sleep(Math.min(pause, left), opts.signal);
      pause = Math.min(maxPause, Math.round(pause * 1.5));
    }
  }
}
