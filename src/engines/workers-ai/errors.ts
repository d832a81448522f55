/**
 * THE mapping from what a Workers AI call throws onto Drape's outcomes. The
 * binding throws an Error whose message carries the platform's internal code
 * and text (e.g. "3040: Out of capacity"); the table below is the error table
 * of https://developers.cloudflare.com/workers-ai/platform/errors/ . One table;
 * docs/engines.md mirrors it and test/engines/workers-ai/errors.test.ts walks it.
 */
import type { RuntimeErrorCode } from "../../errors";

export type WorkersAiOutcome =
  | { kind: "failed"; code: RuntimeErrorCode; message: string; operator: boolean }
  | { kind: "retry"; message: string; retryAfterSeconds?: number };

interface Row {
  name: string;
  /** `retry` (transient) or the runtime code the generation fails with. */
  outcome: "retry" | RuntimeErrorCode;
  /** True when only an operator can fix it (logged as an operator error). */
  operator?: boolean;
}

export const WORKERS_AI_ERROR_TABLE: Readonly<Record<number, Row>> = {
  3040: { name: "Out of capacity", outcome: "retry" },
  3036: { name: "Account limited (daily free neurons used up)", outcome: "retry" },
  3007: { name: "Timeout", outcome: "retry" },
  3008: { name: "Aborted", outcome: "retry" },
  5004: { name: "Invalid data", outcome: "IMAGE_PROCESSING_FAILED" },
  3003: { name: "Incomplete request", outcome: "IMAGE_PROCESSING_FAILED" },
  3006: { name: "Request too large", outcome: "IMAGE_PROCESSING_FAILED" },
  3023: { name: "Account blocked", outcome: "ENGINE_UNAVAILABLE", operator: true },
  5007: { name: "No such model", outcome: "ENGINE_UNAVAILABLE", operator: true },
  3042: { name: "Invalid model ID", outcome: "ENGINE_UNAVAILABLE", operator: true },
  5016: { name: "Model agreement not accepted", outcome: "ENGINE_UNAVAILABLE", operator: true },
  5018: { name: "Account not allowed for private model", outcome: "ENGINE_UNAVAILABLE", operator: true },
  3041: { name: "Account not allowed for private model", outcome: "ENGINE_UNAVAILABLE", operator: true },
  5019: { name: "Deprecated SDK version", outcome: "ENGINE_UNAVAILABLE", operator: true },
};

/**
 * FLUX's safety filter has no code of its own in the table: a message that
 * speaks of NSFW content, a flagged input or moderation is taken as a block
 * (an assumption, documented in docs/engines.md).
 */
const MODERATION = /nsfw|moderat|content (?:was )?flagged|flagged (?:as|for)|safety (?:filter|check|system)|inappropriate/i;

/** The binding has no local simulator: without a remote session (offline `npm start`) or credentials it throws one of these. */
const NEEDS_ACCOUNT = /needs to be run remotely|not (?:logged|authenticated)|authenticat|unauthori[sz]ed|\b401\b|\b403\b|invalid (?:api )?token|account id/i;

const RATE_LIMITED = /\b429\b|rate.?limit|too many requests|capacity/i;

export const NEEDS_ACCOUNT_MESSAGE =
  "The workers-ai engine needs Workers AI, which runs only on Cloudflare: a Cloudflare account and the AI binding in remote mode (a deployment, or `npm start -- --remote-ai` after `wrangler login`). Operators: see docs/engines.md.";

/** Upstream prose without URLs (they may carry signed query strings), on one line, bounded. */
export function cleanUpstreamText(text: string): string {
  return text
    .replace(/\b(?:https?:\/\/|data:)\S+/gi, "<url>")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 300);
}

/** The first Workers AI internal code in the message that the table knows, or null. */
export function workersAiErrorCode(message: string): number | null {
  for (const m of message.matchAll(/(?<!\d)([35]\d{3})(?!\d)/g)) {
    const code = Number(m[1]);
    if (Object.hasOwn(WORKERS_AI_ERROR_TABLE, code)) return code;
  }
  return null;
}

/** Maps what `env.AI.run` threw. Unknown errors are transient (retry, then ENGINE_UNAVAILABLE). */
export function mapWorkersAiError(err: unknown): WorkersAiOutcome {
  const raw = err instanceof Error ? err.message : typeof err === "string" ? err : "";
  const text = cleanUpstreamText(raw);
  const detail = text ? `: ${text}` : "";
  if (MODERATION.test(raw)) {
    return {
      kind: "failed",
      code: "NSFW_CONTENT_BLOCKED",
      message: `Workers AI blocked an input or the result by content moderation${detail}`,
      operator: false,
    };
  }
  const code = workersAiErrorCode(raw);
  const row = code === null ? undefined : WORKERS_AI_ERROR_TABLE[code];
  if (row && code !== null) {
    const label = `Workers AI error ${code} (${row.name})`;
    if (row.outcome === "retry") return { kind: "retry", message: `${label}${detail}` };
    if (row.outcome === "IMAGE_PROCESSING_FAILED") {
      return { kind: "failed", code: row.outcome, message: `Workers AI refused the input images: ${label}${detail}`, operator: false };
    }
    return {
      kind: "failed",
      code: row.outcome,
      message: `The workers-ai engine is not usable on this deployment (${label}). Operators: check the Cloudflare account's Workers AI access.`,
      operator: row.operator === true,
    };
  }
  if (NEEDS_ACCOUNT.test(raw)) return { kind: "failed", code: "ENGINE_UNAVAILABLE", message: NEEDS_ACCOUNT_MESSAGE, operator: true };
  if (RATE_LIMITED.test(raw)) return { kind: "retry", message: `Workers AI is rate limited or out of capacity${detail}` };
  return { kind: "retry", message: `Workers AI failed${detail || " (no message)"}` };
}
