import { describe, expect, it } from "vitest";
import { createAccount } from "../../../src/services/accounts";
import { getCreditSummary } from "../../../src/services/credits";
import { acceptInvite, createInvite, EMAIL_LINK_TTL_MS, loadSession, resetPassword, signUp, verifyEmail } from "../../../src/services/users";
import { requestPasswordReset } from "../../../src/services/users/recovery";
import { createSession } from "../../../src/services/users/sessions";
import { GOOD_PASSWORD, lastEmailTo, uniqueEmail } from "../../helpers/dashboard";
import { env } from "../../helpers/harness";
import { testContext } from "../../helpers/service-context";

let n = 0;
const ip = () => `203.0.113.${++n}`;
/** The token of the newest email to `email` whose subject contains `subject` (the test clock can stand still: subjects tell them apart). */
const tokenOf = async (email: string, subject: string, key: "token" | "invite" = "token") =>
  new URL((await lastEmailTo(email, subject))?.link as string).searchParams.get(key) as string;
const userRow = (email: string) =>
  env.DB.prepare("SELECT id, email_verified_at AS verified, signup_account_id AS accountId FROM users WHERE email = ?")
    .bind(email)
    .first<{ id: string; verified: number | null; accountId: string }>();

describe("email links expire", () => {
  it("a verification link works for 24 hours, not after", async () => {
    const { ctx, clock } = testContext();
    const late = uniqueEmail();
    await signUp(ctx, { email: late, password: GOOD_PASSWORD, ip: ip() });
    const token = await tokenOf(late, "Verify");
    clock.advance(EMAIL_LINK_TTL_MS.verify_email + 1);
    expect(await verifyEmail(ctx, token)).toEqual({ ok: false });
    expect((await userRow(late))?.verified).toBeNull();

    const onTime = uniqueEmail();
    await signUp(ctx, { email: onTime, password: GOOD_PASSWORD, ip: ip() });
    clock.advance(EMAIL_LINK_TTL_MS.verify_email - 60_000);
    expect(await verifyEmail(ctx, await tokenOf(onTime, "Verify"))).toEqual({ ok: true, email: onTime });
  });

  it("a reset link works for 1 hour; a newer link retires the older one", async () => {
    const { ctx, clock } = testContext();
    const email = uniqueEmail();
    await signUp(ctx, { email, password: GOOD_PASSWORD, ip: ip() });
    await requestPasswordReset(ctx, email, ip());
    const first = await tokenOf(email, "Reset");
    clock.advance(1000);
    await requestPasswordReset(ctx, email, ip());
    const second = await tokenOf(email, "Reset");
    expect(second).not.toBe(first);
    expect(await resetPassword(ctx, first, "new-Strong-pass-2048")).toEqual({ ok: false, reason: "invalid-link" });
    clock.advance(EMAIL_LINK_TTL_MS.reset_password + 1);
    expect(await resetPassword(ctx, second, "new-Strong-pass-2048")).toEqual({ ok: false, reason: "invalid-link" });
  });

  it("reset and resend requests are throttled per email (3 per 15 minutes), unknown emails alike", async () => {
    const { ctx } = testContext();
    for (const email of [uniqueEmail(), uniqueEmail("ghost")]) {
      for (let i = 0; i < 3; i++) expect(await requestPasswordReset(ctx, email, ip())).toEqual({ ok: true });
      expect(await requestPasswordReset(ctx, email, ip())).toMatchObject({ ok: false });
    }
  });
});

describe("sign-up modes and invites", () => {
  it("open sign-up grants the starting credits once (verification retries the grant without doubling it)", async () => {
    const { ctx } = testContext({ SIGNUP_FREE_CREDITS: 25 });
    const email = uniqueEmail();
    await signUp(ctx, { email, password: GOOD_PASSWORD, ip: ip() });
    const { accountId } = (await userRow(email)) ?? { accountId: "" };
    expect((await getCreditSummary(ctx, accountId)).balance).toBe(25);
    await verifyEmail(ctx, await tokenOf(email, "Verify"));
    expect((await getCreditSummary(ctx, accountId)).balance).toBe(25);
  });

  it("invite mode refuses sign-up without an invite; with one, the user joins that account with its role, verified", async () => {
    const { ctx } = testContext({ SIGNUP_MODE: "invite" });
    expect(await signUp(ctx, { email: uniqueEmail(), password: GOOD_PASSWORD, ip: ip() })).toEqual({ ok: false, reason: "invite-only" });
    const account = await createAccount(ctx, { name: "Invited shop" });
    const email = uniqueEmail("dev");
    await createInvite(ctx, { accountId: account.id, accountName: account.name, email, role: "developer", invitedByUserId: null });
    expect((await lastEmailTo(email))?.subject).toBe("You are invited to Invited shop on Drape");
    const token = await tokenOf(email, "invited", "invite");
    // The address is the invite's, whatever the form said.
    const joined = await signUp(ctx, { email: "someone-else@example.com", password: GOOD_PASSWORD, inviteToken: token, ip: ip() });
    expect(joined).toMatchObject({ ok: true, kind: "joined", accountId: account.id });
    const user = await userRow(email);
    expect(user?.verified).not.toBeNull();
    const { token: session } = await createSession(ctx, user?.id as string, null);
    expect((await loadSession(ctx, session))?.current).toMatchObject({ accountId: account.id, role: "developer" });
    // The invite is used up.
    expect(await signUp(ctx, { email, password: GOOD_PASSWORD, inviteToken: token, ip: ip() })).toEqual({ ok: false, reason: "invite-invalid" });
  });

  it("an invite to an address that has an account is accepted by that user once signed in, and by nobody else", async () => {
    const { ctx } = testContext();
    const email = uniqueEmail("existing");
    await signUp(ctx, { email, password: GOOD_PASSWORD, ip: ip() });
    const account = await createAccount(ctx, { name: "Second shop" });
    await createInvite(ctx, { accountId: account.id, accountName: account.name, email, role: "owner", invitedByUserId: null });
    const token = await tokenOf(email, "invited", "invite");
    expect(await signUp(ctx, { email, password: GOOD_PASSWORD, inviteToken: token, ip: ip() })).toEqual({ ok: false, reason: "invite-existing-user" });
    const other = uniqueEmail("other");
    await signUp(ctx, { email: other, password: GOOD_PASSWORD, ip: ip() });
    const otherUser = await env.DB.prepare("SELECT * FROM users WHERE email = ?").bind(other).first();
    expect(await acceptInvite(ctx, token, otherUser as never)).toBeNull();
    const invited = await env.DB.prepare("SELECT * FROM users WHERE email = ?").bind(email).first();
    expect(await acceptInvite(ctx, token, invited as never)).toEqual({ accountId: account.id });
    expect(await acceptInvite(ctx, token, invited as never)).toBeNull();
  });

  it("an invite link expires after 7 days", async () => {
    const { ctx, clock } = testContext({ SIGNUP_MODE: "invite" });
    const account = await createAccount(ctx, { name: "Late shop" });
    const email = uniqueEmail("late");
    await createInvite(ctx, { accountId: account.id, accountName: account.name, email, role: "developer", invitedByUserId: null });
    clock.advance(EMAIL_LINK_TTL_MS.invite + 1);
    expect(await signUp(ctx, { email, password: GOOD_PASSWORD, inviteToken: await tokenOf(email, "invited", "invite"), ip: ip() })).toEqual({
      ok: false,
      reason: "invite-invalid",
    });
  });
});
