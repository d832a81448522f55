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
 */
import { ERROR_CATALOG, type RuntimeErrorCode } from "../errors";
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

export function createMockEngine(): Engine {
  return {
    name: "mock",
    async run(input: EngineInput): Promise<EngineResult> {
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
    },
  };
}
