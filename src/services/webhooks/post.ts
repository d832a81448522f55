import type { ServiceContext } from "../../context";
import { readPrefix } from "../../lib/bounded-read";
import { elapsedMs, now } from "../../lib/clock";
import { describeError } from "../../lib/logger";
import { readRetryAfter } from "../../lib/retry-after";
import { webhookHeaders } from "../../lib/webhook-signing";
import { MAX_QUEUE_DELAY_SECONDS } from "./schedule";

/** One signed POST to a receiver, and what its answer says. */

const SNIPPET_BYTES = 1024;
const USER_AGENT = "Drape-Webhooks/1.0 (+https://www.standardwebhooks.com)";

export interface PostResult {
  statusCode: number | null;
  latencyMs: number;
  snippet: string | null;
  error: string | null;
  retryAfterSeconds: number | null;
}

/** One signed POST: 10 s timeout, redirects not followed (a 3xx is a failure), first 1 KB of the answer kept. */
export async function postOnce(ctx: ServiceContext, url: string, secrets: string[], msgId: string, body: string): Promise<PostResult> {
  const timestampSec = Math.floor(ctx.now() / 1000);
  const headers = {
    ...(await webhookHeaders(secrets, msgId, timestampSec, body)),
    "content-type": "application/json",
    "user-agent": USER_AGENT,
  };
  const timeoutMs = ctx.config.WEBHOOK_TIMEOUT_SECONDS * 1000;
  const started = now();
  try {
    const res = await fetch(url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    const snippet = await readSnippet(res);
    const error =
      res.status >= 300 && res.status < 400 ? `redirect not followed (${res.status})` : res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`;
    return {
      statusCode: res.status,
      latencyMs: elapsedMs(started),
      snippet,
      error,
      retryAfterSeconds:
        res.status === 429 || res.status === 503 ? readRetryAfter(res.headers.get("retry-after"), ctx.now(), { min: 1, max: MAX_QUEUE_DELAY_SECONDS }) : null,
    };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    return {
      statusCode: null,
      latencyMs: elapsedMs(started),
      snippet: null,
      error: timedOut ? `timeout: no response within ${ctx.config.WEBHOOK_TIMEOUT_SECONDS} s` : describeError(err),
      retryAfterSeconds: null,
    };
  }
}

async function readSnippet(res: Response): Promise<string | null> {
  if (!res.body) return null;
  return new TextDecoder().decode(await readPrefix(res.body, SNIPPET_BYTES));
}
