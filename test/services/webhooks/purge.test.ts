import { describe, expect, it } from "vitest";
import { SWEEP_STEPS } from "../../../src/cron/sweep";
import { createAccount, env } from "../../helpers/harness";

// Delivery records are kept WEBHOOK_RETENTION_DAYS (30); the purge must keep up with an
// account that creates more than one batch (90) of deliveries a minute.
describe("webhook delivery purge", () => {
  it("removes more than one batch of expired deliveries per tick, with their attempts", async () => {
    const acct = await createAccount();
    const now = Date.now();
    const old = now - 31 * 86400_000;
    const stmts: D1PreparedStatement[] = [];
    for (let i = 0; i < 250; i++) {
      const id = `msg_review_purge_${String(i).padStart(4, "0")}`;
      stmts.push(
        env.DB.prepare(
          "INSERT INTO webhook_deliveries (id, account_id, endpoint_id, url, dedupe_key, generation_id, event_type, payload, status, attempt_count, created_at, updated_at) VALUES (?, ?, NULL, 'https://hooks.example.com/x', ?, NULL, 'webhook.test', '{}', 'SUCCEEDED', 1, ?, ?)",
        ).bind(id, acct.accountId, `test:${id}`, old, old),
        env.DB.prepare("INSERT INTO webhook_attempts (id, delivery_id, attempt_no, status_code, latency_ms, created_at) VALUES (?, ?, 1, 200, 5, ?)").bind(
          `wha_review_${i}`,
          id,
          old,
        ),
      );
    }
    await env.DB.batch(stmts);

    const result = await SWEEP_STEPS.webhooks(env, now);
    expect(result.purged).toBe(250);
    const left = await env.DB.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE account_id = ?").bind(acct.accountId).first<{ n: number }>();
    expect(left?.n).toBe(0);
    const attempts = await env.DB.prepare("SELECT count(*) AS n FROM webhook_attempts WHERE id LIKE 'wha_review_%'").first<{ n: number }>();
    expect(attempts?.n).toBe(0);
  });
});
