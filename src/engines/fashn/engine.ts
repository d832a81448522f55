/**
 * The "fashn" engine: an adapter to FASHN's hosted try-on API.
 *
 *   first call (jobId null)  → POST {base}/v1/run  → { kind: "pending", jobId }
 *   later calls (jobId set)  → GET  {base}/v1/status/{id}
 *        completed → download output[0] (FASHN's CDN) → { kind: "completed", bytes }
 *        failed    → error.name mapped by errors.ts
 *        running   → { kind: "pending", pollAfterSeconds }
 *
 * It never sleeps: the queue consumer re-enqueues with `pollAfterSeconds` and owns
 * the overall deadline (GENERATION_TIMEOUT). Plain `fetch` rather than the `fashn`
 * SDK: we need the raw HTTP status and Retry-After to map errors exactly, and the
 * SDK's own retries/polling would hide both. The API key goes only to FASHN's API
 * origin (never to the CDN) and never into messages or logs.
 */
import type { FashnPrice } from "../../config";
import type { RuntimeErrorCode } from "../../errors";
import { base64Decode, base64Encode } from "../../lib/base64";
import { readLimited } from "../../lib/bounded-read";
import { now as clockNow } from "../../lib/clock";
import { tryReadImageHeader } from "../../lib/image-header";
import { readRetryAfter } from "../../lib/retry-after";
import type { Engine, EngineCost, EngineImage, EngineInput, EngineResult } from "../types";
import { mapFashnRuntimeError } from "./errors";

export const FASHN_MODEL_NAME = "tryon-v1.6";
const REQUEST_TIMEOUT_MS = 20_000;
const DOWNLOAD_TIMEOUT_MS = 30_000;
const MAX_RESULT_BYTES = 25 * 1024 * 1024;
const MAX_RETRY_AFTER_SECONDS = 3600;

/** A download past MAX_RESULT_BYTES (read no further than that). */
class ResultTooLarge extends Error {}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface FashnEngineOptions {
  baseUrl: string;
  apiKey: string;
  /** USD per FASHN credit, with its source (src/config/engine-pricing.ts); without it no cost is reported. */
  price?: FashnPrice;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: FetchLike;
}

/**
 * Seconds to wait before the next status poll. `pollCount` is the poll that just
 * ran (0 = the submit). The first wait follows FASHN's published latency per mode
 * (≈5 / 8 / 12–17 s); after that poll briskly, then back off.
 */
export function fashnPollDelaySeconds(pollCount: number, mode: EngineInput["mode"]): number {
  if (pollCount <= 0) return mode === "performance" ? 3 : mode === "quality" ? 8 : 5;
  if (pollCount < 4) return 2;
  if (pollCount < 10) return 3;
  return 5;
}

type Outcome = EngineResult;

const failed = (code: RuntimeErrorCode, message: string): Outcome => ({ kind: "failed", code, message });

/** Upstream prose without URLs (they may carry signed query strings), trimmed. */
export function sanitizeUpstreamMessage(message: unknown): string {
  if (typeof message !== "string" || message.trim() === "") return "";
  return message
    .replace(/\b(?:https?:\/\/|data:)\S+/gi, "<url>")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 300);
}

/** FASHN's Retry-After in seconds, within [0, MAX_RETRY_AFTER_SECONDS]; undefined when absent or unparsable. */
export function parseRetryAfter(header: string | null, now = clockNow()): number | undefined {
  return readRetryAfter(header, now, { min: 0, max: MAX_RETRY_AFTER_SECONDS }) ?? undefined;
}

/** URL when intake gave one (FASHN fetches it), else a base64 data URI. */
export function fashnImageInput(img: EngineImage): string {
  if (img.url) return img.url;
  return `data:image/${img.format};base64,${base64Encode(img.bytes)}`;
}

/**
 * What a finished FASHN job cost: the status answer's `creditsUsed` × the configured price per credit.
 * FASHN omits it on some answers; tryon-v1.6 uses one credit per image, which is then assumed (and said).
 */
export function fashnCost(creditsUsed: unknown, price: FashnPrice): EngineCost {
  const reported = typeof creditsUsed === "number" && Number.isFinite(creditsUsed) && creditsUsed >= 0;
  const credits = reported ? creditsUsed : 1;
  const how = reported ? `${credits} credits used` : "1 credit assumed (creditsUsed absent)";
  return {
    usdMicros: Math.round(credits * price.usdPerCredit * 1e6),
    basis: `${FASHN_MODEL_NAME}: ${how} × $${price.usdPerCredit} per credit (price read ${price.readAt}: ${price.source})`,
  };
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
}

async function readJson(res: Response): Promise<Record<string, unknown> | null> {
  try {
    const v: unknown = await res.json();
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function createFashnEngine(opts: FashnEngineOptions): Engine {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const doFetch: FetchLike = opts.fetch ?? ((input, init) => fetch(input, init));

  /** One call to FASHN's API; a thrown network error or timeout becomes a `retry` outcome. */
  async function call(method: "GET" | "POST", path: string, body?: unknown): Promise<Response | Outcome> {
    try {
      return await doFetch(`${base}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${opts.apiKey}`,
          Accept: "application/json",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      return {
        kind: "retry",
        message: isTimeout(err) ? "The FASHN API did not answer in time." : "The FASHN API could not be reached (network error).",
      };
    }
  }

  /** Maps a non-2xx API answer (API-level error: no job was started or the status call was refused). */
  async function httpError(res: Response, during: "submit" | "status"): Promise<Outcome> {
    const body = await readJson(res);
    const name = typeof body?.error === "string" ? body.error : "";
    const detail = sanitizeUpstreamMessage(body?.message);
    const suffix = detail ? `: ${detail}` : "";
    if (res.status === 401 || res.status === 403) {
      return failed("ENGINE_UNAVAILABLE", "The FASHN engine is misconfigured on this deployment (its API key was rejected). Operators: check FASHN_API_KEY.");
    }
    if (res.status === 429 && name === "OutOfCredits") {
      return failed("ENGINE_UNAVAILABLE", "The FASHN engine account has no credits left. Operators: top up the FASHN account.");
    }
    if (res.status === 429 || res.status >= 500) {
      const retryAfterSeconds = parseRetryAfter(res.headers.get("Retry-After"));
      return {
        kind: "retry",
        message: `The FASHN API answered ${res.status}${name ? ` ${name}` : ""}.`,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      };
    }
    if (res.status === 404 && during === "status") {
      return failed("GENERATION_FAILED", "The FASHN job is unknown or has expired upstream.");
    }
    if (res.status === 400) {
      // A refused payload: when FASHN blames an image it is an input problem, otherwise ours.
      return /image|base64|url/i.test(detail)
        ? failed("IMAGE_PROCESSING_FAILED", `FASHN rejected an input image${suffix}`)
        : failed("GENERATION_FAILED", `FASHN rejected the request${suffix}`);
    }
    return failed("GENERATION_FAILED", `The FASHN API answered ${res.status}${suffix}`);
  }

  function runtimeFailure(error: unknown): Outcome {
    const e = error !== null && typeof error === "object" ? (error as Record<string, unknown>) : {};
    const name = typeof e.name === "string" ? e.name : typeof error === "string" ? error : "UnknownError";
    const message = typeof e.message === "string" ? e.message : "";
    const mapped = mapFashnRuntimeError(name, message);
    const detail = sanitizeUpstreamMessage(message);
    const text = `FASHN ${name}${detail ? `: ${detail}` : ""}`;
    return mapped.kind === "retry" ? { kind: "retry", message: text } : failed(mapped.code, text);
  }

  async function submit(input: EngineInput): Promise<Outcome> {
    const garment = input.productImages[0];
    if (!garment) return failed("GARMENT_NOT_DETECTED", "The product has no image to take the garment from.");
    const inputs: Record<string, unknown> = {
      model_image: fashnImageInput(input.person),
      garment_image: fashnImageInput(garment),
      category: input.category,
    };
    if (input.mode !== null) inputs.mode = input.mode;
    if (input.seed !== null) inputs.seed = input.seed;
    const res = await call("POST", "/v1/run", { model_name: FASHN_MODEL_NAME, inputs });
    if (!(res instanceof Response)) return res;
    if (!res.ok) return httpError(res, "submit");
    const body = await readJson(res);
    if (body?.error) return runtimeFailure(body.error);
    const id = body?.id;
    if (typeof id !== "string" || id === "") return failed("GENERATION_FAILED", "FASHN accepted the job but returned no job id.");
    return { kind: "pending", jobId: id, pollAfterSeconds: fashnPollDelaySeconds(0, input.mode) };
  }

  async function download(output: string, cost: EngineCost | undefined): Promise<Outcome> {
    let bytes: Uint8Array;
    if (output.startsWith("data:")) {
      const comma = output.indexOf(",");
      try {
        bytes = base64Decode(output.slice(comma + 1));
      } catch {
        return failed("GENERATION_FAILED", "FASHN returned an unreadable base64 result.");
      }
    } else {
      let res: Response;
      try {
        // No Authorization header: this is FASHN's CDN, not its API.
        res = await doFetch(output, { method: "GET", signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
      } catch (err) {
        return {
          kind: "retry",
          message: isTimeout(err) ? "Downloading the FASHN result timed out." : "The FASHN result could not be downloaded (network error).",
        };
      }
      if (res.status === 429 || res.status >= 500) {
        const retryAfterSeconds = parseRetryAfter(res.headers.get("Retry-After"));
        return {
          kind: "retry",
          message: `Downloading the FASHN result answered ${res.status}.`,
          ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
        };
      }
      if (!res.ok) return failed("GENERATION_FAILED", `The FASHN result could not be downloaded (HTTP ${res.status}).`);
      try {
        bytes = await readLimited(res.body, MAX_RESULT_BYTES, () => new ResultTooLarge());
      } catch (err) {
        if (err instanceof ResultTooLarge) return failed("GENERATION_FAILED", "The FASHN result is larger than Drape accepts.");
        throw err;
      }
    }
    const header = tryReadImageHeader(bytes);
    if (!header || (header.format !== "jpeg" && header.format !== "png")) {
      return failed("GENERATION_FAILED", "FASHN returned a result that is not a readable JPEG or PNG image.");
    }
    const { format, width, height } = header;
    return { kind: "completed", bytes, contentType: format === "png" ? "image/png" : "image/jpeg", format, width, height, ...(cost ? { cost } : {}) };
  }

  async function poll(input: EngineInput, jobId: string): Promise<Outcome> {
    const res = await call("GET", `/v1/status/${encodeURIComponent(jobId)}`);
    if (!(res instanceof Response)) return res;
    if (!res.ok) return httpError(res, "status");
    const body = await readJson(res);
    if (!body) return { kind: "retry", message: "The FASHN API returned an unreadable status." };
    const status = body.status;
    if (status === "completed") {
      const output = Array.isArray(body.output) ? body.output[0] : undefined;
      if (typeof output !== "string" || output === "") return failed("GENERATION_FAILED", "FASHN completed the job without an output image.");
      return download(output, opts.price ? fashnCost(body.creditsUsed, opts.price) : undefined);
    }
    if (status === "failed") return runtimeFailure(body.error);
    // starting | in_queue | processing (and any status FASHN adds later): keep polling;
    // the caller's deadline ends a job that never finishes.
    return { kind: "pending", jobId, pollAfterSeconds: fashnPollDelaySeconds(Math.max(1, input.pollCount), input.mode) };
  }

  return {
    name: "fashn",
    async run(input: EngineInput): Promise<EngineResult> {
      if (!opts.apiKey) {
        return failed("ENGINE_UNAVAILABLE", "The FASHN engine is not configured on this deployment (no API key). Operators: set FASHN_API_KEY.");
      }
      return input.jobId === null ? submit(input) : poll(input, input.jobId);
    },
  };
}
