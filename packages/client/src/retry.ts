import { DrapeError, parseRetryAfterHeader } from "./errors.js";
import { abortableSleep, anySignal } from "./signals.js";

export interface RetryPolicy {
  /** Retries after the first attempt (default 3). 0 turns retrying off. */
  maxRetries: number;
  /** The first backoff step in ms (default 500); each retry doubles it, up to `maxDelayMs`. */
  baseDelayMs: number;
  /** The cap of one backoff step in ms (default 8000). */
  maxDelayMs: number;
  /**
   * The longest `Retry-After` the client waits for, in seconds (default 60). A server that asks
   * for longer gets its answer handed back (as a DrapeError) instead of a silent long sleep.
   */
  maxRetryAfterSeconds: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterSeconds: 60 };

/** The statuses retried on their own: rate limited, and unavailable for a moment. */
const RETRIED_STATUSES = new Set([429, 503]);

export interface TransportOptions {
  fetch: (request: Request) => Promise<Response>;
  policy: RetryPolicy;
  /** Per-attempt timeout in ms (0: none). */
  timeoutMs: number;
  /** Where a sleep comes from (tests pass a fake). */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  random?: () => number;
}

/**
 * Full-jitter exponential backoff: a uniform draw in [0, min(cap, base × 2^attempt)], so clients that
 * failed together do not come back together.
 */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}

/**
 * The delay before retrying `res`, or null when it must not be retried: 429 and 503 are retried
 * (honouring `Retry-After`, which wins over the backoff), and a 409 IDEMPOTENCY_KEY_IN_USE (the first
 * attempt of this very request is still running on the server, so the retry will get its answer).
 */
async function retryDelayFor(res: Response, attempt: number, opts: TransportOptions): Promise<number | null> {
  const retryAfter = parseRetryAfterHeader(res.headers.get("retry-after"));
  if (RETRIED_STATUSES.has(res.status)) {
    if (retryAfter !== undefined) return retryAfter <= opts.policy.maxRetryAfterSeconds ? Math.ceil(retryAfter * 1000) : null;
    return backoffMs(attempt, opts.policy, opts.random);
  }
  if (res.status === 409 && (await codeOf(res)) === "IDEMPOTENCY_KEY_IN_USE") {
    return Math.max(Math.ceil((retryAfter ?? 1) * 1000), backoffMs(attempt, opts.policy, opts.random));
  }
  return null;
}

async function codeOf(res: Response): Promise<string | undefined> {
  try {
    const body = (await res.clone().json()) as { code?: unknown };
    return typeof body.code === "string" ? body.code : undefined;
  } catch {
    return undefined;
  }
}

function isAbort(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "AbortError";
}

/**
 * A `fetch` that retries what is safe to retry. Every attempt sends a fresh copy of the same
 * request, headers included, so a POST keeps its `Idempotency-Key` across retries and the server
 * runs it at most once. The caller's signal stops everything at once (its reason is thrown); an
 * attempt that outlives `timeoutMs` is a retryable TIMEOUT.
 */
export function retryingFetch(opts: TransportOptions): (request: Request) => Promise<Response> {
  const sleep = opts.sleep ?? abortableSleep;
  return async (request: Request) => {
    const callerSignal = request.signal;
    // The pristine copy every attempt is cloned from (a body stream can be read only once).
    const original = request.clone();
    for (let attempt = 0; ; attempt++) {
      const timeout = opts.timeoutMs > 0 ? AbortSignal.timeout(opts.timeoutMs) : undefined;
      const signal = anySignal([callerSignal, timeout]);
      let delay: number | null;
      let failure: DrapeError | null = null;
      try {
        const res = await opts.fetch(new Request(original.clone(), signal ? { signal } : {}));
        delay = attempt < opts.policy.maxRetries ? await retryDelayFor(res, attempt, opts) : null;
        if (delay === null) return res;
        // Released, not awaited: cancelling one branch of a tee'd body (a cloned Response) settles
        // only when the other branch is done too.
        res.body?.cancel().catch(() => {});
      } catch (err) {
        if (callerSignal.aborted) throw callerSignal.reason;
        const timedOut = timeout?.aborted === true || (isAbort(err) && !callerSignal.aborted);
        failure = new DrapeError({
          code: timedOut ? "TIMEOUT" : "NETWORK_ERROR",
          message: timedOut
            ? `No answer within ${opts.timeoutMs} ms from ${original.method} ${original.url}`
            : `Could not reach ${original.url}: ${String(err)}`,
          status: 0,
          cause: err,
        });
        if (attempt >= opts.policy.maxRetries) throw failure;
        delay = backoffMs(attempt, opts.policy, opts.random);
      }
      await sleep(delay, callerSignal);
    }
  };
}
