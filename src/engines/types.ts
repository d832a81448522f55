import type { RuntimeErrorCode } from "../errors";
import type { TestDirective } from "../lib/test-directive";
import type { TryOnCategory, TryOnMode } from "../lib/try-on-options";

/**
 * One small interface for every try-on engine. The pipeline hands an engine
 * decoded-free inputs (bytes + what intake learned) and gets back either image
 * bytes, a typed runtime failure, a "still running upstream, poll again later"
 * answer, or a transient failure worth retrying.
 */
export interface EngineImage {
  bytes: Uint8Array;
  format: "jpeg" | "png" | "webp" | "heic";
  width: number;
  height: number;
  /** EXIF orientation (1–8) or null. */
  orientation: number | null;
  /** A signed absolute URL for engines that fetch inputs themselves (e.g. FASHN). */
  url?: string;
}

export interface EngineInput {
  generationId: string;
  person: EngineImage & { crop: { x: number; y: number; width: number; height: number } | null };
  /** Product images in order; the first is the primary garment image. */
  productImages: Array<EngineImage & { classifications: Record<string, unknown> | null; role?: string | null }>;
  productTitle: string | null;
  /** The product's description, when it has one (prompted engines describe the garment with it). */
  productDescription?: string | null;
  category: TryOnCategory;
  mode: TryOnMode | null;
  seed: number | null;
  /** Upstream job id from an earlier `pending` answer (remote engines resume polling with it). */
  jobId: string | null;
  /** Which poll this is for a remote job (0 for the first run). */
  pollCount: number;
  /** False for a test-mode generation: the mock engine then marks its result "TEST". */
  livemode?: boolean;
  /** Test mode's forced outcome and delay, with when the generation was accepted (the delay counts from then). */
  test?: (TestDirective & { acceptedAt: number }) | null;
}

/**
 * What one engine run cost upstream, in millionths of a US dollar (integers add exactly), with the
 * pricing basis that produced it (e.g. "flux-2-dev: 4 input tiles × 25 steps + 2 output tiles × 25 steps").
 */
export interface EngineCost {
  usdMicros: number;
  basis: string;
}

export type EngineResult =
  | {
      kind: "completed";
      bytes: Uint8Array;
      contentType: `image/${EngineImage["format"]}`;
      format: EngineImage["format"];
      width: number;
      height: number;
      /** Upstream cost of this run; absent when the engine runs in the Worker and costs nothing upstream. */
      cost?: EngineCost;
    }
  | { kind: "failed"; code: RuntimeErrorCode; message: string; cost?: EngineCost }
  /** Remote job accepted or still running: re-enqueue and call again after `pollAfterSeconds`. */
  | { kind: "pending"; jobId: string; pollAfterSeconds: number }
  /** Transient trouble (upstream 429/5xx, network): retry with backoff; after the last attempt → ENGINE_UNAVAILABLE. */
  | { kind: "retry"; message: string; retryAfterSeconds?: number };

export interface Engine {
  readonly name: "mock" | "composite" | "fashn" | "workers-ai";
  run(input: EngineInput): Promise<EngineResult>;
  /** Best-effort cancel of a remote job (no-op for local engines). */
  cancel?(jobId: string): Promise<void>;
}
