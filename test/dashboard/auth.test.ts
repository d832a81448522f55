import { describe, expect, it } from "vitest";
import { GOOD_PASSWORD, lastEmailTo, pathOf, signInAs, TestBrowser, uniqueEmail, verifiedUser } from "../helpers/dashboard";
import { BASE, env } from "../helpers/harness";

/** A page as compared between two emails: without the per-request parts (tokens, ids) and the address itself. */
const comparable = (html: string, email: string) =>
  html
    .replaceAll(email, "EMAIL")
    .replace(/value="[A-Za-z0-9_-]{43}"/g, 'value="TOKEN"')
    .replace(/name="_idem" value="[A-Za-z0-9_-]+"/g, 'name="_idem" value="IDEM"')
    .replace(/req_[0-9A-Za-z]{24}/g, "REQ");

const countRows = async (sql: string, ...binds: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...binds)
      .first<{ n: number }>()
  )?.n ?? 0;

describe("sign-up, verification, sign-in", () => {
  it("sign-up creates a user owning a new account with the starting credits, and emails a verification link", async () => {
    const browser = new TestBrowser();
    const email = uniqueEmail();
    await browser.get("/dashboard/sign-up");
    const page = await browser.post("/dashboard/sign-up", { email: email.toUpperCase(), password: GOOD_PASSWORD, accountName: "Acme" });
    expect(page.status).toBe(200);
    expect(page.html).toContain("Check your inbox");
    const user = await env.DB.prepare("SELECT id, email, email_verified_at FROM users WHERE email = ?")
      .bind(email)
      .first<{ id: string; email_verified_at: number | null }>();
    expect(user?.email_verified_at).toBeNull();
    const membership = await env.DB.prepare("SELECT m.role, a.name FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.user_id = ?")
      .bind(user?.id)
      .first<{ role: string; name: string }>();
    expect(membership).toEqual({ role: "owner", name: "Acme" });
    const mail = await lastEmailTo(email);
    expect(mail?.subject).toBe("Verify your email for Drape");
    expect(mail?.link).toMatch(/^http:\/\/localhost:8787\/dashboard\/verify-email\?token=[A-Za-z0-9_-]{43}$/);
    // Only the token's hash is stored.
    const token = new URL(mail?.link as string).searchParams.get("token") as string;
    expect(await countRows("SELECT count(*) AS n FROM email_tokens WHERE token_hash = ?", token)).toBe(0);
  });

  it("an existing email gets the same page (and an email saying so), never a second account", async () => {
    const existing = uniqueEmail("taken");
    const fresh = uniqueEmail("fresh");
    const a = new TestBrowser();
    await a.get("/dashboard/sign-up");
    await a.post("/dashboard/sign-up", { email: existing, password: GOOD_PASSWORD });
    const again = new TestBrowser();
    await again.get("/dashboard/sign-up");
    const taken = await again.post("/dashboard/sign-up", { email: existing, password: "another-Strong-pass-77" });
    const b = new TestBrowser();
    await b.get("/dashboard/sign-up");
    const created = await b.post("/dashboard/sign-up", { email: fresh, password: GOOD_PASSWORD });
    expect(taken.status).toBe(created.status);
    expect(comparable(taken.html, existing)).toBe(comparable(created.html, fresh));
    expect(await countRows("SELECT count(*) AS n FROM users WHERE email = ?", existing)).toBe(1);
    expect((await lastEmailTo(existing))?.subject).toBe("You already have a Drape account");
  });

  it("sign-in: a wrong password and an unknown email get the same answer", async () => {
    const { email } = await verifiedUser();
    const unknown = uniqueEmail("ghost");
    const b1 = new TestBrowser();
    await b1.get("/dashboard/sign-in");
    const wrong = await b1.post("/dashboard/sign-in", { email, password: "not-the-Password-1" });
    const b2 = new TestBrowser();
    await b2.get("/dashboard/sign-in");
    const ghost = await b2.post("/dashboard/sign-in", { email: unknown, password: "not-the-Password-1" });
    expect(wrong.status).toBe(401);
    expect(ghost.status).toBe(401);
    expect(comparable(wrong.html, email)).toBe(comparable(ghost.html, unknown));
    expect(wrong.res.headers.get("set-cookie") ?? "").not.toContain("drape_session");
  });

  it("forgot password: a known and an unknown email get the same answer; only the known one gets a link", async () => {
    const { email } = await verifiedUser();
    const unknown = uniqueEmail("ghost");
    const b1 = new TestBrowser();
    await b1.get("/dashboard/forgot-password");
    const known = await b1.post("/dashboard/forgot-password", { email });
    const b2 = new TestBrowser();
    await b2.get("/dashboard/forgot-password");
    const ghost = await b2.post("/dashboard/forgot-password", { email: unknown });
    expect(known.status).toBe(200);
    expect(comparable(known.html, email)).toBe(comparable(ghost.html, unknown));
    expect((await lastEmailTo(email))?.subject).toBe("Reset your Drape password");
    expect(await lastEmailTo(unknown)).toBeNull();
  });

  it("a verification link works once", async () => {
    const browser = new TestBrowser();
    const email = uniqueEmail();
    await browser.get("/dashboard/sign-up");
    await browser.post("/dashboard/sign-up", { email, password: GOOD_PASSWORD });
    const link = pathOf((await lastEmailTo(email))?.link as string);
    const first = await browser.get(link);
    expect(first.status).toBe(200);
    expect(first.html).toContain("is verified");
    expect(await countRows("SELECT count(*) AS n FROM users WHERE email = ? AND email_verified_at IS NOT NULL", email)).toBe(1);
    const second = await browser.get(link);
    expect(second.status).toBe(400);
    expect(second.html).toContain("invalid, was already used, or has expired");
  });

  it("a password reset link works once, keeps working after a refused password, and signs every session out", async () => {
    const { browser, email } = await verifiedUser();
    expect((await browser.get("/dashboard")).status).toBe(200);
    const anon = new TestBrowser();
    await anon.get("/dashboard/forgot-password");
    await anon.post("/dashboard/forgot-password", { email });
    const link = pathOf((await lastEmailTo(email))?.link as string);
    const form = await anon.get(link);
    expect(form.status).toBe(200);
    const token = new URLSearchParams(link.split("?")[1]).get("token") as string;
    const weak = await anon.post("/dashboard/reset-password", { token, password: "1234567890" });
    expect(weak.status).toBe(400);
    expect(weak.html).toContain("most common");
    const done = await anon.post("/dashboard/reset-password", { token, password: "new-Strong-pass-2048" });
    expect(done.status).toBe(303);
    expect(done.location).toBe("/dashboard/sign-in");
    // The session signed in before the reset is gone.
    expect((await browser.get("/dashboard")).status).toBe(303);
    expect((await anon.get(link)).status).toBe(400);
    await anon.get("/dashboard/forgot-password"); // a page with a form (and its CSRF token)
    expect((await anon.post("/dashboard/reset-password", { token, password: "other-Strong-pass-99" })).status).toBe(400);
    const old = new TestBrowser();
    await old.get("/dashboard/sign-in");
    expect((await old.post("/dashboard/sign-in", { email, password: GOOD_PASSWORD })).status).toBe(401);
    await signInAs(new TestBrowser(), email, "new-Strong-pass-2048");
  });

  it("a signed-out request goes to sign-in with `next` and comes back after it; `next` never leaves the dashboard", async () => {
    const { email } = await verifiedUser();
    const browser = new TestBrowser();
    const bounced = await browser.get("/dashboard/keys?x=1");
    expect(bounced.status).toBe(303);
    expect(bounced.location).toBe("/dashboard/sign-in?next=%2Fdashboard%2Fkeys%3Fx%3D1");
    await browser.follow(bounced);
    const signedIn = await browser.post("/dashboard/sign-in", { email, password: GOOD_PASSWORD, next: "/dashboard/keys?x=1" });
    expect(signedIn.status).toBe(303);
    expect(signedIn.location).toBe("/dashboard/keys?x=1");
    for (const next of ["https://evil.example/x", "//evil.example/x", "/dashboardx", "/\\evil.example", "/tryon/v1/account"]) {
      const b = new TestBrowser();
      await b.get("/dashboard/sign-in");
      expect((await b.post("/dashboard/sign-in", { email, password: GOOD_PASSWORD, next })).location, next).toBe("/dashboard");
    }
  });

  it("sign-in sets a __Host- session cookie (HttpOnly, Secure, SameSite=Lax) and rotates it on every sign-in", async () => {
    const { email } = await verifiedUser();
    const browser = new TestBrowser();
    const page = await signInAs(browser, email);
    const cookie = page.res.headers.getSetCookie().find((c) => c.startsWith("__Host-drape_session=")) ?? "";
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    const first = browser.cookies.get("__Host-drape_session");
    await browser.get("/dashboard"); // signed in: its forms carry the session's CSRF token
    expect((await browser.post("/dashboard/sign-in", { email, password: GOOD_PASSWORD })).status).toBe(303);
    expect(browser.cookies.get("__Host-drape_session")).not.toBe(first);
    expect((await browser.get("/dashboard")).status).toBe(200);
    const replay = new TestBrowser();
    replay.cookies.set("__Host-drape_session", first as string);
    expect((await replay.get("/dashboard")).status).toBe(303);
  });

  it("sign out ends this session; sign out everywhere ends them all", async () => {
    const { browser, email } = await verifiedUser();
    const other = new TestBrowser();
    await signInAs(other, email);
    await browser.get("/dashboard");
    expect((await browser.post("/dashboard/sign-out", {})).status).toBe(303);
    expect((await browser.get("/dashboard")).status).toBe(303);
    expect((await other.get("/dashboard")).status).toBe(200);
    const third = new TestBrowser();
    await signInAs(third, email);
    await third.get("/dashboard/account");
    expect((await third.post("/dashboard/sign-out-everywhere", {})).status).toBe(303);
    expect((await other.get("/dashboard")).status).toBe(303);
    expect((await third.get("/dashboard")).status).toBe(303);
  });

  it("too many wrong passwords: the page answers 429 with Retry-After, even for the right password", async () => {
    const { email } = await verifiedUser();
    const browser = new TestBrowser();
    for (let i = 0; i < 5; i++) {
      await browser.get("/dashboard/sign-in");
      expect((await browser.post("/dashboard/sign-in", { email, password: `wrong-Password-${i}` })).status).toBe(401);
    }
    await browser.get("/dashboard/sign-in");
    const refused = await browser.post("/dashboard/sign-in", { email, password: GOOD_PASSWORD });
    expect(refused.status).toBe(429);
    expect(Number(refused.res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.html).toContain("Too many sign-in attempts");
  });
});

describe("CSRF", () => {
  async function keysPage() {
    const { browser } = await verifiedUser();
    await browser.get("/dashboard/keys");
    return browser;
  }
  const keyCount = async (browser: TestBrowser) => {
    const page = await browser.get("/dashboard/keys");
    return (page.html.match(/aria-label="Revoke /g) ?? []).length;
  };

  it("a post without the token, with a wrong one, or from another origin changes nothing (403)", async () => {
    const browser = await keysPage();
    const cases: Array<[Record<string, string>, Record<string, string>]> = [
      [{ name: "x", _csrf: "" }, { origin: BASE }],
      [{ name: "x", _csrf: "A".repeat(43) }, { origin: BASE }],
      [{ name: "x" }, { origin: "https://evil.example" }],
      [{ name: "x" }, { origin: "null" }],
      [{ name: "x" }, {}],
      [{ name: "x" }, { "sec-fetch-site": "cross-site" }],
    ];
    for (const [fields, headers] of cases) {
      await browser.get("/dashboard/keys");
      const page = await browser.post("/dashboard/keys", fields, headers);
      expect(page.status, JSON.stringify([fields, headers])).toBe(403);
      expect(page.html).toContain("This form has expired");
    }
    expect(await keyCount(browser)).toBe(0);
    // The same post, same-origin with the token, works (by Origin, or by Sec-Fetch-Site without Origin).
    expect((await browser.post("/dashboard/keys", { name: "ok" })).status).toBe(201);
    await browser.get("/dashboard/keys");
    expect((await browser.post("/dashboard/keys", { name: "ok2" }, { "sec-fetch-site": "same-origin" })).status).toBe(201);
    expect(await keyCount(browser)).toBe(2);
  });

  it("a signed-out form needs its pre-session cookie token (double submit)", async () => {
    const { email } = await verifiedUser();
    const browser = new TestBrowser();
    await browser.get("/dashboard/sign-in");
    browser.cookies.delete("__Host-drape_csrf");
    expect((await browser.post("/dashboard/sign-in", { email, password: GOOD_PASSWORD })).status).toBe(403);
    const other = new TestBrowser();
    await other.get("/dashboard/sign-in"); // another visitor's token
    browser.lastHtml = other.lastHtml;
    await browser.get("/dashboard/sign-in").then(() => {
      browser.lastHtml = other.lastHtml;
    });
    expect((await browser.post("/dashboard/sign-in", { email, password: GOOD_PASSWORD })).status).toBe(403);
  });
});

describe("sign-up input", () => {
  it("refuses an account name with control characters, keeping what was typed", async () => {
    const browser = new TestBrowser();
    const email = uniqueEmail();
    await browser.get("/dashboard/sign-up");
    const page = await browser.post("/dashboard/sign-up", { email, password: GOOD_PASSWORD, accountName: "Acme\r\nBcc: x@evil.example" });
    expect(page.status).toBe(400);
    expect(page.html).toMatch(/id="f-accountName-error"/);
    expect(page.html).toContain(`value="${email}"`);
    expect(page.html).not.toContain(GOOD_PASSWORD);
    expect(await countRows("SELECT count(*) AS n FROM users WHERE email = ?", email)).toBe(0);
  });

  it("refuses a common or short password in place", async () => {
    const browser = new TestBrowser();
    await browser.get("/dashboard/sign-up");
    const common = await browser.post("/dashboard/sign-up", { email: uniqueEmail(), password: "password123" });
    expect(common.status).toBe(400);
    expect(common.html).toMatch(/id="f-password-error"[^>]*>This password is one of the most common ones/);
    const short = await browser.post("/dashboard/sign-up", { email: "not-an-email", password: "short" });
    expect(short.html).toMatch(/id="f-email-error"/);
    expect(short.html).toMatch(/id="f-password-error"[^>]*>Use at least 10 characters/);
  });
});
