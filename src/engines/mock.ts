/**
 * The "mock" engine: returns the person image unchanged (Genlook parity: a
 * product titled `mock` yields the customer photo back). The product title can
 * force every other outcome so integrators and tests can reach each runtime code
 * without a real engine:
 *
 *   mock                      → completed, person bytes unchanged
 *   mock:<RUNTIME_CODE>       → failed with that code (e.g. mock:NSFW_CONTENT_BLOCKED)
 *   mock:retry                → transient failure (retry; 5 s hint)
 *   mock:pending              → a remote-style job: pending on the first call,
 *                               completed (person bytes) when polled with the job id
 *   mock:pending-forever      → always pending (lets callers reach GENERATION_TIMEOUT)
 *
 * Titles are case-insensitive; an unknown `mock:` suffix behaves like `mock`.
 *
 * In test mode (docs/test-mode.md) every generation runs here. A request's
 * `test: {outcome, delayMs}` wins over the title: the engine answers `pending`
 * until `delayMs` after acceptance, then the outcome. A test-mode result
 * carries a "TEST" mark drawn in (unmarked when the photo cannot be decoded,
 * e.g. HEIC).
 */
import { ERROR_CATALOG, type RuntimeErrorCode } from "../errors";
import { now } from "../lib/clock";
import { markAsTest, type Shrinker } from "./composite";
import type { Engine, EngineInput, EngineResult } from "./types";

export const MOCK_POLL_AFTER_SECONDS = 1;

function isRuntimeCode(code: string): code is RuntimeErrorCode {
  const entry = (ERROR_CATALOG as Record<string, { kind: string } | undefined>)[code];
  return entry !== undefined && (entry.kind === "runtime" || entry.kind === "both");
}

/** The directive after `mock:` in a product title, upper-cased, or null. */
export function mockDirective(title: string | null): string | null {
  const m = /^\s*mock:(.+)$/i.exec(title ?? "");
  return m?.[1]?.trim().toUpperCase() ?? null;
}

/** The person image unchanged, in its own format (WebP and HEIC included). */
function personResult(input: EngineInput): EngineResult {
  const p = input.person;
  return { kind: "completed", bytes: p.bytes, contentType: `image/${p.format}`, format: p.format, width: p.width, height: p.height };
}

/**
 * A test-mode result is marked "TEST" (a WebP or HEIC photo through `convert`, the Images binding);
 * live mode's `mock` answers the photo unchanged (Genlook parity).
 */
async function completed(input: EngineInput, convert: Shrinker | null): Promise<EngineResult> {
  const result = personResult(input);
  if (input.livemode !== false || result.kind !== "completed") return result;
  const marked = await markAsTest(result.bytes, input.person.orientation, convert);
  if (!marked) return result;
  return { kind: "completed", bytes: marked.bytes, contentType: "image/jpeg", format: "jpeg", width: marked.width, height: marked.height };
}

/** Test mode's forced outcome: pending until `delayMs` after acceptance, then the outcome. */
function forced(input: EngineInput, test: NonNullable<EngineInput["test"]>): EngineResult | "completed" {
  const remainingMs = test.acceptedAt + test.delayMs - now();
  if (remainingMs > 0) {
    return {
      kind: "pending",
      jobId: input.jobId ?? `mock_${input.generationId}`,
      pollAfterSeconds: Math.max(MOCK_POLL_AFTER_SECONDS, Math.ceil(remainingMs / 1000)),
    };
  }
  if (test.outcome === "completed") return "completed";
  return { kind: "failed", code: test.outcome, message: `Forced in test mode (test.outcome ${test.outcome}).` };
}

export function createMockEngine(opts: { convert?: Shrinker } = {}): Engine {
  const convert = opts.convert ?? null;
  return {
    name: "mock",
    async run(input: EngineInput): Promise<EngineResult> {
      if (input.test) {
        const result = forced(input, input.test);
        return result === "completed" ? completed(input, convert) : result;
      }
      const result = runByTitle(input);
      return result.kind === "completed" ? completed(input, convert) : result;
    },
  };
}

/** The title's directive (`mock:<CODE>`, `mock:pending`, …), in both modes. */
function runByTitle(input: EngineInput): EngineResult {
  const directive = mockDirective(input.productTitle);
  if (directive === null) return personResult(input);
  if (isRuntimeCode(directive)) {
    return { kind: "failed", code: directive, message: `Forced by the mock engine (product title "mock:${directive}").` };
  }
  if (directive === "RETRY") return { kind: "retry", message: "Forced transient failure (mock:retry).", retryAfterSeconds: 5 };
  if (directive === "PENDING") {
    return input.jobId === null ? { kind: "pending", jobId: `mock_${input.generationId}`, pollAfterSeconds: MOCK_POLL_AFTER_SECONDS } : personResult(input);
  }
  if (directive === "PENDING-FOREVER") {
    return { kind: "pending", jobId: input.jobId ?? `mock_${input.generationId}`, pollAfterSeconds: MOCK_POLL_AFTER_SECONDS };
  }
  return personResult(input);
}
