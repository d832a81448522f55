import { describe, expect, it } from "vitest";
import { signInAs, TestBrowser, uniqueEmail, verifiedUser } from "../helpers/dashboard";
import { env } from "../helpers/harness";

const idemOf = (html: string, action: string) => {
  const at = html.indexOf(`action="${action}"`);
  return /name="_idem" value="([^"]+)"/.exec(html.slice(at))?.[1] ?? "";
};
const plaintextIn = (html: string) => /value="(dr_live_[0-9A-Za-z]{32})"/.exec(html)?.[1] ?? null;

const keyCount = (email: string) =>
  env.DB.prepare("SELECT count(*) AS n FROM api_keys k JOIN memberships m ON m.account_id = k.account_id JOIN users u ON u.id = m.user_id WHERE u.email = ?")
    .bind(email)
    .first<{ n: number }>()
    .then((r) => r?.n ?? 0);

describe("idempotent dashboard forms", () => {
  it("every rendered form carries its own _idem token", async () => {
    const { browser } = await verifiedUser();
    const page = await browser.get("/dashboard/keys");
    const tokens = [...page.html.matchAll(/name="_idem" value="([A-Za-z0-9_-]{22})"/g)].map((m) => m[1]);
    expect(tokens.length).toBeGreaterThanOrEqual(2); // sign-out and create-key at least
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it("a double submit creates one key and answers both posts with the same page (the key shown once, to that form)", async () => {
    const { browser, email } = await verifiedUser();
    const _idem = idemOf((await browser.get("/dashboard/keys")).html, "/dashboard/keys");
    const first = await browser.post("/dashboard/keys", { name: "double", _idem });
    const second = await browser.post("/dashboard/keys", { name: "double", _idem });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.res.headers.get("x-form-replayed")).toBe("1");
    expect(plaintextIn(second.html)).toBe(plaintextIn(first.html));
    expect(await keyCount(email)).toBe(1);
    // The remembered page is sealed at rest: the key's plaintext is not in D1.
    const row = await env.DB.prepare("SELECT body FROM form_submissions WHERE token = ?").bind(_idem).first<{ body: string }>();
    expect(row?.body).toBeTruthy();
    expect(row?.body).not.toContain(plaintextIn(first.html) ?? "dr_live_");
    // The replay still carries the dashboard's headers.
    expect(second.res.headers.get("content-security-policy")).toContain("script-src 'self'");
  });

  it("two simultaneous posts of one form act once", async () => {
    const { browser, email } = await verifiedUser();
    const _idem = idemOf((await browser.get("/dashboard/keys")).html, "/dashboard/keys");
    const [a, b] = await Promise.all([browser.post("/dashboard/keys", { name: "race", _idem }), browser.post("/dashboard/keys", { name: "race", _idem })]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(plaintextIn(a.html)).toBe(plaintextIn(b.html));
    expect(await keyCount(email)).toBe(1);
  });

  it("a redirect answer is replayed with its flash: one invite for a double-clicked invite form", async () => {
    const { browser, email } = await verifiedUser();
    const _idem = idemOf((await browser.get("/dashboard/members")).html, "/dashboard/members/invite");
    const invitee = uniqueEmail("twice");
    const first = await browser.post("/dashboard/members/invite", { email: invitee, role: "developer", _idem });
    const second = await browser.post("/dashboard/members/invite", { email: invitee, role: "developer", _idem });
    expect([first.status, second.status]).toEqual([303, 303]);
    expect(second.location).toBe("/dashboard/members");
    expect((await browser.follow(second)).html).toContain(`Invite sent to ${invitee}`);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM invites WHERE email = ?").bind(invitee).first<{ n: number }>();
    expect(n?.n).toBe(1);
    expect(email).toBeTruthy();
  });

  it("a refused post keeps what was typed and frees its token: the corrected form with the same token runs", async () => {
    const { browser, email } = await verifiedUser();
    const _idem = idemOf((await browser.get("/dashboard/keys")).html, "/dashboard/keys");
    const refused = await browser.post("/dashboard/keys", { name: "fix-me", spendCap: "-1", _idem });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('value="fix-me"');
    const fixed = await browser.post("/dashboard/keys", { name: "fix-me", spendCap: "3", _idem });
    expect(fixed.status).toBe(201);
    expect(fixed.res.headers.get("x-form-replayed")).toBeNull();
    expect(await keyCount(email)).toBe(1);
  });

  it("a token answers only its own session: another session of the same user posting it acts on its own", async () => {
    const { browser, email } = await verifiedUser();
    const _idem = idemOf((await browser.get("/dashboard/keys")).html, "/dashboard/keys");
    const first = await browser.post("/dashboard/keys", { name: "mine", _idem });
    const other = new TestBrowser();
    await signInAs(other, email);
    await other.get("/dashboard/keys");
    const second = await other.post("/dashboard/keys", { name: "mine", _idem });
    expect(second.status).toBe(201);
    expect(plaintextIn(second.html)).not.toBe(plaintextIn(first.html));
    expect(await keyCount(email)).toBe(2);
  });
});
