import { describe, expect, it } from "vitest";
import { runSweep, SWEEP_STEPS } from "../../../src/cron/sweep";
import { DEV_OUTBOX_KEEP_MS, SESSION_IDLE_MS } from "../../../src/services/users";
import { verifiedUser } from "../../helpers/dashboard";
import { env } from "../../helpers/harness";

const MIN = 60_000;

/** One live and one dead row of every kind the dashboard step prunes, named by `tag`. */
async function seed(tag: string, now: number) {
  const session = (id: string, o: { lastSeen?: number; expires?: number; revoked?: number | null }) =>
    env.DB.prepare(
      "INSERT INTO sessions (id, token_hash, user_id, kind, csrf_token, created_at, last_seen_at, expires_at, revoked_at) VALUES (?, ?, 'usr_x', 'user', 'c', ?, ?, ?, ?)",
    ).bind(`${tag}-${id}`, `${tag}-${id}-hash`, now - 60 * MIN, o.lastSeen ?? now - MIN, o.expires ?? now + 60 * MIN, o.revoked ?? null);
  const link = (id: string, expires: number, used: number | null) =>
    env.DB.prepare(
      "INSERT INTO email_tokens (token_hash, user_id, purpose, email, created_at, expires_at, used_at) VALUES (?, 'usr_x', 'verify', 'a@example.com', ?, ?, ?)",
    ).bind(`${tag}-${id}`, now - 60 * MIN, expires, used);
  const challenge = (id: string, expires: number) =>
    env.DB.prepare(
      "INSERT INTO webauthn_challenges (id, challenge, user_id, purpose, created_at, expires_at) VALUES (?, 'c', NULL, 'authenticate', ?, ?)",
    ).bind(`${tag}-${id}`, now - 10 * MIN, expires);
  const form = (id: string, expires: number) =>
    env.DB.prepare("INSERT INTO form_submissions (session_id, token, status, headers, body, created_at, expires_at) VALUES (?, ?, 303, '[]', NULL, ?, ?)").bind(
      `${tag}-s`,
      `${tag}-${id}`,
      now - 60 * MIN,
      expires,
    );
  const mail = (id: string, created: number) =>
    env.DB.prepare("INSERT INTO dev_outbox (id, \"to\", subject, text, html, created_at) VALUES (?, 'a@example.com', 's', 't', 'h', ?)").bind(
      `${tag}-${id}`,
      created,
    );
  await env.DB.batch([
    session("live", {}),
    session("expired", { expires: now - 1 }),
    session("idle", { lastSeen: now - SESSION_IDLE_MS - 1 }),
    session("revoked", { revoked: now - MIN }),
    link("live", now + MIN, null),
    link("expired", now - 1, null),
    link("used", now + MIN, now - MIN),
    challenge("live", now + MIN),
    challenge("expired", now - 1),
    form("live", now + MIN),
    form("expired", now - 1),
    mail("recent", now - MIN),
    mail("old", now - DEV_OUTBOX_KEEP_MS - 1),
  ]);
}

async function left(tag: string): Promise<string[]> {
  const like = `${tag}-%`;
  const q = (sql: string) =>
    env.DB.prepare(sql)
      .bind(like)
      .all<{ k: string }>()
      .then((r) => r.results.map((x) => x.k));
  return [
    ...(await q("SELECT 'session:' || id AS k FROM sessions WHERE id LIKE ?")),
    ...(await q("SELECT 'link:' || token_hash AS k FROM email_tokens WHERE token_hash LIKE ?")),
    ...(await q("SELECT 'challenge:' || id AS k FROM webauthn_challenges WHERE id LIKE ?")),
    ...(await q("SELECT 'form:' || token AS k FROM form_submissions WHERE token LIKE ?")),
    ...(await q("SELECT 'mail:' || id AS k FROM dev_outbox WHERE id LIKE ?")),
  ]
    .map((k) => k.replace(`${tag}-`, ""))
    .sort();
}

describe("the sweep's dashboardState step", () => {
  it("deletes expired, idle and revoked sessions, used or expired links, expired challenges and form answers, and old dev-outbox mail; keeps the live ones", async () => {
    const now = Date.now();
    const tag = `prune${crypto.randomUUID().slice(0, 8)}`;
    await seed(tag, now);
    expect((await left(tag)).length).toBe(13);
    const results = await runSweep(env, now, { dashboardState: SWEEP_STEPS.dashboardState });
    expect(await left(tag)).toEqual(["challenge:live", "form:live", "link:live", "mail:recent", "session:live"]);
    const counts = results.dashboardState as Record<string, number>;
    expect(counts.sessions).toBeGreaterThanOrEqual(3);
    expect(counts.emailTokens).toBeGreaterThanOrEqual(2);
    expect(counts.webauthnChallenges).toBeGreaterThanOrEqual(1);
    expect(counts.formSubmissions).toBeGreaterThanOrEqual(1);
    expect(counts.devOutbox).toBeGreaterThanOrEqual(1);
    // Idempotent: a second run at the same instant finds nothing more.
    expect(await runSweep(env, now, { dashboardState: SWEEP_STEPS.dashboardState })).toEqual({
      dashboardState: { sessions: 0, emailTokens: 0, webauthnChallenges: 0, formSubmissions: 0, devOutbox: 0 },
    });
    expect((await left(tag)).length).toBe(5);
  });

  it("a signed-in session survives the sweep and still opens the dashboard", async () => {
    const { browser } = await verifiedUser();
    await runSweep(env, Date.now(), { dashboardState: SWEEP_STEPS.dashboardState });
    expect((await browser.get("/dashboard")).status).toBe(200);
  });
});
