import { env } from "cloudflare:workers";
import { getConfig } from "../../src/config";
import { accountGate } from "../../src/durable/account-gate/client";
import { testAccountIdOf } from "../../src/lib/modes";
import { hashApiKey } from "../../src/services/accounts/api-keys";

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
 * outbox of the account behind the request's API key once the Worker has
 * answered, so the rest of the suite runs every accepted try-on through the
 * outbox's delivery (its D1 insert and `sendBatch`). What a reader sees BEFORE
 * a delivery is test/services/generations/outbox.test.ts's subject, which
 * turns this off (`harnessDelivers(false)`).
 */
export async function deliverAfterRequest(method: string, headers: Headers): Promise<void> {
  if (!enabled || method !== "POST" || getConfig(env).GENERATION_DELIVERY !== "outbox") return;
  const key = headers.get("x-api-key") ?? headers.get("authorization")?.replace(/^Bearer\s+/i, "");
  if (!key) return;
  const row = await env.DB.prepare("SELECT account_id FROM api_keys WHERE key_hash = ?").bind(hashApiKey(key)).first<{ account_id: string }>();
  if (!row) return;
  for (const accountId of [row.account_id, testAccountIdOf(row.account_id)]) {
    // A test that breaks D1 or the queue on purpose keeps the generation in the outbox, as production would.
    await accountGate(env, accountId)
      .deliver()
      .catch(() => 0);
  }
}
