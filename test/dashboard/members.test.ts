import { describe, expect, it } from "vitest";
import { GOOD_PASSWORD, lastEmailTo, pathOf, signInAs, TestBrowser, uniqueEmail, verifiedUser } from "../helpers/dashboard";
import { env } from "../helpers/harness";

const SESSION = "__Host-drape_session";

const membersOf = (ownerEmail: string) =>
  env.DB.prepare(
    `SELECT u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.account_id = (SELECT m2.account_id FROM memberships m2 JOIN users u2 ON u2.id = m2.user_id WHERE u2.email = ? LIMIT 1)
     ORDER BY u.email`,
  )
    .bind(ownerEmail)
    .all<{ email: string; role: string }>()
    .then((r) => r.results);

const userId = (email: string) =>
  env.DB.prepare("SELECT id FROM users WHERE email = ?")
    .bind(email)
    .first<{ id: string }>()
    .then((r) => r?.id ?? "");

/** An owner who invites `role` from the members page, and the invitee who joins through the emailed link. */
async function ownerAndMember(role: "developer" | "owner" = "developer") {
  const owner = await verifiedUser();
  await owner.browser.get("/dashboard/members");
  const memberEmail = uniqueEmail("member");
  const invited = await owner.browser.post("/dashboard/members/invite", { email: memberEmail, role });
  expect(invited.status).toBe(303);
  const mail = await lastEmailTo(memberEmail);
  expect(mail?.link).toBeTruthy();
  const member = new TestBrowser();
  await member.get(pathOf(mail?.link ?? ""));
  const joined = await member.post("/dashboard/sign-up", {
    invite: new URL(mail?.link ?? "").searchParams.get("invite") ?? "",
    email: memberEmail,
    password: GOOD_PASSWORD,
  });
  expect(joined.status).toBe(303);
  return { owner: owner.browser, ownerEmail: owner.email, member, memberEmail };
}

describe("members page", () => {
  it("an owner invites a developer by email; the invitee joins with that role and the page lists both", async () => {
    const { owner, ownerEmail, memberEmail } = await ownerAndMember();
    expect(await membersOf(ownerEmail)).toEqual(
      [
        { email: ownerEmail, role: "owner" },
        { email: memberEmail, role: "developer" },
      ].sort((a, b) => a.email.localeCompare(b.email)),
    );
    const page = await owner.get("/dashboard/members");
    expect(page.status).toBe(200);
    expect(page.html).toContain(memberEmail);
    expect(page.html).toContain("No pending invites.");
  });

  it("a developer cannot open or use the members page (403, nothing changes)", async () => {
    const { member, ownerEmail } = await ownerAndMember();
    const page = await member.get("/dashboard/members");
    expect(page.status).toBe(403);
    await member.get("/dashboard");
    const refused = await member.post("/dashboard/members/invite", { email: uniqueEmail(), role: "owner" });
    expect(refused.status).toBe(403);
    await member.get("/dashboard");
    expect((await member.post(`/dashboard/members/${await userId(ownerEmail)}/remove`, {})).status).toBe(403);
    expect((await membersOf(ownerEmail)).length).toBe(2);
    expect(page.html).not.toContain('href="/dashboard/members"');
  });

  it("validates the invite form in place, keeping what was typed; an existing member is refused", async () => {
    const { owner, memberEmail } = await ownerAndMember();
    await owner.get("/dashboard/members");
    const bad = await owner.post("/dashboard/members/invite", { email: "not-an-email", role: "admin" });
    expect(bad.status).toBe(400);
    expect(bad.html).toMatch(/id="f-email-error"/);
    expect(bad.html).toContain('value="not-an-email"');
    const again = await owner.post("/dashboard/members/invite", { email: memberEmail.toUpperCase(), role: "developer" });
    expect(again.status).toBe(400);
    expect(again.html).toContain("already a member");
  });

  it("a pending invite can be revoked: its link stops working", async () => {
    const { browser } = await verifiedUser();
    await browser.get("/dashboard/members");
    const email = uniqueEmail("pending");
    await browser.post("/dashboard/members/invite", { email, role: "developer" });
    const link = (await lastEmailTo(email))?.link ?? "";
    const page = await browser.get("/dashboard/members");
    expect(page.html).toContain(email);
    const id = /\/dashboard\/members\/invites\/([^/]+)\/revoke/.exec(page.html)?.[1] ?? "";
    expect((await browser.post(`/dashboard/members/invites/${id}/revoke`, {})).status).toBe(303);
    expect((await new TestBrowser().get(pathOf(link))).status).toBe(400);
  });

  it("changing a role ends the member's sessions: the next request signs in again, then with the new role", async () => {
    const { owner, ownerEmail, member, memberEmail } = await ownerAndMember();
    expect((await member.get("/dashboard/members")).status).toBe(403);
    await owner.get("/dashboard/members");
    const changed = await owner.post(`/dashboard/members/${await userId(memberEmail)}/role`, { role: "owner" });
    expect(changed.status).toBe(303);
    expect((await membersOf(ownerEmail)).find((m) => m.email === memberEmail)?.role).toBe("owner");
    const next = await member.get("/dashboard/members");
    expect(next.status).toBe(303);
    expect(next.location).toContain("/dashboard/sign-in");
    await signInAs(member, memberEmail);
    expect((await member.get("/dashboard/members")).status).toBe(200);
  });

  it("the last owner can be neither demoted nor removed; with a second owner, the first may step down", async () => {
    const { owner, ownerEmail, memberEmail } = await ownerAndMember("developer");
    const me = await userId(ownerEmail);
    await owner.get("/dashboard/members");
    const demote = await owner.post(`/dashboard/members/${me}/role`, { role: "developer" });
    expect(demote.status).toBe(409);
    expect(demote.html).toContain("at least one owner");
    const remove = await owner.post(`/dashboard/members/${me}/remove`, {});
    expect(remove.status).toBe(409);
    expect((await membersOf(ownerEmail)).find((m) => m.email === ownerEmail)?.role).toBe("owner");

    await owner.get("/dashboard/members");
    expect((await owner.post(`/dashboard/members/${await userId(memberEmail)}/role`, { role: "owner" })).status).toBe(303);
    await owner.get("/dashboard/members");
    const before = owner.cookies.get(SESSION);
    const stepDown = await owner.post(`/dashboard/members/${me}/role`, { role: "developer" });
    expect(stepDown.status).toBe(303);
    expect(stepDown.location).toBe("/dashboard");
    // Rotated: a new session with the new role; the old token is dead.
    expect(owner.cookies.get(SESSION)).not.toBe(before);
    expect((await owner.get("/dashboard/members")).status).toBe(403);
    const old = new TestBrowser();
    old.cookies.set(SESSION, before ?? "");
    expect((await old.get("/dashboard")).status).toBe(303);
  });

  it("two owners demoting each other at once leave one owner", async () => {
    const { owner, ownerEmail, member, memberEmail } = await ownerAndMember("owner");
    await owner.get("/dashboard/members");
    await member.get("/dashboard/members");
    const [a, b] = await Promise.all([
      owner.post(`/dashboard/members/${await userId(memberEmail)}/role`, { role: "developer" }),
      member.post(`/dashboard/members/${await userId(ownerEmail)}/role`, { role: "developer" }),
    ]);
    expect([a.status, b.status].sort()).toEqual([303, 409]);
    expect((await membersOf(ownerEmail)).filter((m) => m.role === "owner").length).toBe(1);
  });

  it("a removed member loses access on their next request", async () => {
    const { owner, member, memberEmail } = await ownerAndMember();
    const keysBefore = await member.get("/dashboard/keys");
    expect(keysBefore.html).toContain("Create a key");
    await owner.get("/dashboard/members");
    const removed = await owner.post(`/dashboard/members/${await userId(memberEmail)}/remove`, {});
    expect(removed.status).toBe(303);
    expect((await owner.follow(removed)).html).not.toContain(memberEmail);
    const after = await member.get("/dashboard/keys");
    expect(after.html).not.toContain("Create a key");
    expect(after.html).toContain("not a member of any active account");
  });
});
