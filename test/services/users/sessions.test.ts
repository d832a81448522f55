import { describe, expect, it } from "vitest";
import { createAccount as createAccountRow, updateAccount } from "../../../src/services/accounts";
import {
  endAllSessions,
  loadSession,
  rotateSession,
  SESSION_ABSOLUTE_MS,
  SESSION_IDLE_MS,
  SESSION_TOUCH_MS,
  signUp,
  switchAccount,
} from "../../../src/services/users";
import { createSession } from "../../../src/services/users/sessions";
import { GOOD_PASSWORD, uniqueEmail } from "../../helpers/dashboard";
import { env } from "../../helpers/harness";
import { testContext } from "../../helpers/service-context";

/** A user with their own account (open sign-up), as the service creates them. */
async function newUser(ctx: ReturnType<typeof testContext>["ctx"]) {
  const email = uniqueEmail();
  expect(await signUp(ctx, { email, password: GOOD_PASSWORD, ip: `203.0.113.${Math.floor(Math.random() * 250)}` })).toEqual({ ok: true, kind: "check-inbox" });
  const row = await env.DB.prepare("SELECT id, signup_account_id AS accountId FROM users WHERE email = ?")
    .bind(email)
    .first<{ id: string; accountId: string }>();
  if (!row) throw new Error("user not created");
  return { userId: row.id, accountId: row.accountId };
}

const lastSeen = async (id: string) => (await env.DB.prepare("SELECT last_seen_at AS t FROM sessions WHERE id = ?").bind(id).first<{ t: number }>())?.t;

describe("sessions", () => {
  it("a token opens its session; only its SHA-256 is stored", async () => {
    const { ctx } = testContext();
    const { userId, accountId } = await newUser(ctx);
    const { token, session } = await createSession(ctx, userId, null);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await env.DB.prepare("SELECT token_hash FROM sessions WHERE id = ?").bind(session.id).first<{ token_hash: string }>();
    expect(stored?.token_hash).not.toContain(token);
    const loaded = await loadSession(ctx, token);
    expect(loaded?.user.id).toBe(userId);
    expect(loaded?.current).toMatchObject({ accountId, role: "owner" });
    // Another last character (never the same one, which would be the token itself).
    expect(await loadSession(ctx, `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`)).toBeNull();
  });

  it("expires after 12 h idle, and each use within the window moves it", async () => {
    const { ctx, clock } = testContext();
    const { userId } = await newUser(ctx);
    const { token } = await createSession(ctx, userId, null);
    clock.advance(SESSION_IDLE_MS - 60_000);
    expect(await loadSession(ctx, token)).not.toBeNull(); // used: the idle window starts again
    clock.advance(SESSION_IDLE_MS - 60_000);
    expect(await loadSession(ctx, token)).not.toBeNull();
    clock.advance(SESSION_IDLE_MS);
    expect(await loadSession(ctx, token)).toBeNull();
  });

  it("expires 30 days after sign-in however often it is used", async () => {
    const { ctx, clock } = testContext();
    const { userId } = await newUser(ctx);
    const { token } = await createSession(ctx, userId, null);
    for (let t = 0; t + 10 * 3_600_000 < SESSION_ABSOLUTE_MS; t += 10 * 3_600_000) {
      expect(await loadSession(ctx, token)).not.toBeNull();
      clock.advance(10 * 3_600_000);
    }
    clock.advance(SESSION_ABSOLUTE_MS); // well past: whatever the loop's last step
    expect(await loadSession(ctx, token)).toBeNull();
  });

  it("writes last_seen_at at most every 5 minutes", async () => {
    const { ctx, clock } = testContext();
    const { userId } = await newUser(ctx);
    const { token, session } = await createSession(ctx, userId, null);
    const t0 = clock.now;
    clock.advance(SESSION_TOUCH_MS - 1000);
    await loadSession(ctx, token);
    expect(await lastSeen(session.id)).toBe(t0);
    clock.advance(2000);
    await loadSession(ctx, token);
    expect(await lastSeen(session.id)).toBe(clock.now);
  });

  it("rotation revokes the previous session; sign out everywhere revokes them all", async () => {
    const { ctx } = testContext();
    const { userId } = await newUser(ctx);
    const first = await createSession(ctx, userId, null);
    const rotated = await rotateSession(ctx, first.session, userId, null);
    expect(await loadSession(ctx, first.token)).toBeNull();
    const other = await createSession(ctx, userId, null);
    expect(await loadSession(ctx, rotated.token)).not.toBeNull();
    expect(await endAllSessions(ctx, userId)).toBe(2);
    expect(await loadSession(ctx, rotated.token)).toBeNull();
    expect(await loadSession(ctx, other.token)).toBeNull();
  });

  it("a disabled account or a removed membership loses access on the next request; switching needs membership", async () => {
    const { ctx } = testContext();
    const { userId, accountId } = await newUser(ctx);
    const second = await createAccountRow(ctx, { name: "Second shop" });
    await env.DB.prepare("INSERT INTO memberships (account_id, user_id, role, created_at, updated_at) VALUES (?, ?, 'developer', ?, ?)")
      .bind(second.id, userId, ctx.now() + 1, ctx.now() + 1)
      .run();
    const { token } = await createSession(ctx, userId, null);
    const before = await loadSession(ctx, token);
    expect(before?.memberships.map((m) => m.accountId)).toEqual([accountId, second.id]);
    if (!before) throw new Error("no session");
    expect(await switchAccount(ctx, before, second.id)).toBe(true);
    expect((await loadSession(ctx, token))?.current).toMatchObject({ accountId: second.id, role: "developer" });
    expect(await switchAccount(ctx, before, "acc_not_mine")).toBe(false);

    await env.DB.prepare("DELETE FROM memberships WHERE account_id = ? AND user_id = ?").bind(second.id, userId).run();
    expect((await loadSession(ctx, token))?.current?.accountId).toBe(accountId);
    await updateAccount(ctx, accountId, { status: "disabled" });
    const after = await loadSession(ctx, token);
    expect(after?.memberships).toEqual([]);
    expect(after?.current).toBeNull();
  });
});
