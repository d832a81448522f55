import { type ApiClient, formBody, type PostOptions, postHeaders, unwrap } from "../core.js";
import type { Generation, TryOnAccepted, TryOnRequest } from "../types.js";
import { jsonWithFiles, type UploadFiles } from "../uploads.js";
import { DEFAULT_WAIT_MS, type GenerationsResource, type WaitOptions } from "./generations.js";

export interface CreateTryOnOptions extends PostOptions {
  /** Photo or garment bytes by `fileKey` (`source: { fileKey: "person" }` → `{ person: blob }`). */
  files?: UploadFiles;
}

export type RunTryOnOptions = CreateTryOnOptions & Omit<WaitOptions, "signal">;

/** The server holds a sync request at most this long (POST /try-on/sync `wait`). */
const MAX_HOLD_SECONDS = 90;

export class TryOnResource {
  constructor(
    private readonly api: ApiClient,
    private readonly generations: GenerationsResource,
  ) {}

  private body(body: TryOnRequest, files: UploadFiles | undefined): TryOnRequest {
    return files && Object.keys(files).length > 0 ? formBody<TryOnRequest>(jsonWithFiles(body, files)) : body;
  }

  /**
   * Starts a try-on: 202 `{generationId, status: "PENDING", productExternalId}`. One credit is
   * reserved. Follow it with `generations.waitFor(accepted)`, a webhook, or use `run` instead.
   */
  create(body: TryOnRequest, opts: CreateTryOnOptions = {}): Promise<TryOnAccepted> {
    return unwrap(this.api.POST("/tryon/v1/try-on", { body: this.body(body, opts.files), headers: postHeaders(opts), signal: opts.signal }));
  }

  /**
   * Starts a try-on and returns it finished (COMPLETED or FAILED): the server holds the request
   * first (POST /try-on/sync, up to 90 s of `timeout`), then the client polls with backoff for
   * the rest. One Idempotency-Key covers the start, so a retried start never charges twice.
   */
  async run(body: TryOnRequest, opts: RunTryOnOptions = {}): Promise<Generation> {
    const timeout = opts.timeout ?? DEFAULT_WAIT_MS;
    const started = Date.now();
    const wait = Math.max(0, Math.min(MAX_HOLD_SECONDS, Math.floor(timeout / 1000)));
    const { data, response } = await this.api.POST("/tryon/v1/try-on/sync", {
      params: { query: { wait } },
      body: this.body(body, opts.files),
      headers: postHeaders(opts),
      signal: opts.signal,
    });
    const answer = await unwrap(Promise.resolve({ data, response }));
    if (response.status === 200 && "createdAt" in answer) return answer;
    return this.generations.waitFor(answer.generationId, { ...opts, timeout: Math.max(0, timeout - (Date.now() - started)) });
  }
}
