import { env } from "cloudflare:workers";
import { getConfig } from "../../src/config";
import { SESSION_COOKIE } from "../../src/dashboard/cookies";
import { accountGate } from "../../src/durable/account-gate/client";
import { testAccountIdOf } from "../../src/lib/modes";
import { hashApiKey } from "../../src/services/accounts/api-keys";
import { hashToken } from "../../src/services/users/tokens";

/**
 * False when the suite runs with the outbox (`DRAPE_GENERATION_DELIVERY=outbox`): tests of request
 * delivery's own failure table and call counts run only with request delivery; the outbox's are in
 * test/services/generations/outbox.test.ts and test/routes/hot-path-budget.test.ts.
 */
export const REQUEST_DELIVERY = getConfig(env).GENERATION_DELIVERY === "request";

let enabled = true;

/** Whether the harness delivers after each request (under DRAPE_GENERATION_DELIVERY=outbox only). */
export function harnessDelivers(on: boolean): void {
  enabled = on;
}

/**
 * `DRAPE_GENERATION_DELIVERY=outbox npx vitest run …` runs the suite with the
 * AccountGate's outbox. A test written against request delivery reads D1 or
 * the captured queue right after a 202; here the harness delivers the
 * outbox of the account behind the request's API key (or dashboard session)
 * once the Worker has answered, so the rest of the suite runs every accepted try-on through the
 * outbox's delivery (its D1 insert and `sendBatch`). What a reader sees BEFORE
 * a delivery is test/services/generations/outbox.test.ts's subject, which
 * turns this off (`harnessDelivers(false)`).
 */
export async function deliverAfterRequest(method: string, headers: Headers): Promise<void> {
  if (!enabled || method !== "POST" || REQUEST_DELIVERY) return;
  const accountId = (await accountOfKey(headers)) ?? (await accountOfSession(headers));
  if (!accountId) return;
  for (const id of [accountId, testAccountIdOf(accountId)]) {
    // A test that breaks D1 or the queue on purpose keeps the generation in the outbox, as production would.
    await accountGate(env, id)
      .deliver()
      .catch(() => 0);
  }
}

/** The account behind the request's API key (`x-api-key`, or a bearer token as FASHN's and MCP's clients send it). */
async function accountOfKey(headers: Headers): Promise<string | undefined> {
  const key = headers.get("x-api-key") ?? headers.get("authorization")?.replace(/^Bearer\s+/i, "");
  if (!key) return undefined;
  const row = await env.DB.prepare("SELECT account_id FROM api_keys WHERE key_hash = ?").bind(hashApiKey(key)).first<{ account_id: string }>();
  return row?.account_id;
}

/** The account a dashboard session has selected (the playground's try-ons are that account's). */
async function accountOfSession(headers: Headers): Promise<string | undefined> {
  const token = (headers.get("cookie") ?? "")
    .split(";")
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${SESSION_COOKIE}=`))
    ?.slice(SESSION_COOKIE.length + 1);
  if (!token) return undefined;
  const row = await env.DB.prepare("SELECT current_account_id FROM sessions WHERE token_hash = ?")
    .bind(hashToken(decodeURIComponent(token)))
    .first<{ current_account_id: string | null }>();
  return row?.current_account_id ?? undefined;
}
