import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { servedRoutes } from "../../src/http/route-table";
import { can } from "../../src/services/users";
import { GOOD_PASSWORD, type Page, signInAs, TestBrowser, verifiedUser } from "../helpers/dashboard";
import { dashboardFixture } from "../helpers/dashboard-fixture";
import { DASHBOARD_ROUTES, type DashRoute, type RouteIds, routePath } from "../helpers/dashboard-routes";
import { ADMIN_TOKEN, admin, BASE, env } from "../helpers/harness";
import { captureWebhookQueue } from "../helpers/webhooks";

/**
 * The dashboard's auth matrix: every served dashboard route (test/helpers/dashboard-routes.ts
 * must list each, or the first test fails) × every kind of visitor.
 * - signed out: a member page redirects (303) to sign-in with `next`, a member form to sign-in;
 *   the operator console is not found (404: it does not reveal it exists); public pages answer;
 * - a developer: areas their role lacks answer 403 (pages) and change nothing (forms);
 * - the owner: every route's success; the operator console does not exist for them (404);
 * - an operator: the console;
 * - a revoked session (signed out everywhere from another device): signed out on the next request;
 * - a disabled account: none of its data on any page, and its forms refused;
 * - every form without its CSRF token, with another one, or from another origin: 403, nothing changed.
 */

const ROUTES = Object.entries(DASHBOARD_ROUTES);
const GETS = ROUTES.filter(([k]) => k.startsWith("GET "));
const POSTS = ROUTES.filter(([k]) => k.startsWith("POST "));
const signedInOnly = (r: DashRoute) => r.access === "member" || r.access === "operator";

interface Member {
  browser: TestBrowser;
  email: string;
  accountId: string;
  userId: string;
}

async function member(opts: { accountName?: string } = {}): Promise<Member> {
  const { browser, email } = await verifiedUser(opts);
  const row = await env.DB.prepare("SELECT u.id AS userId, m.account_id AS accountId FROM users u JOIN memberships m ON m.user_id = u.id WHERE u.email = ?")
    .bind(email)
    .first<{ userId: string; accountId: string }>();
  if (!row) throw new Error("no membership");
  return { browser, email, ...row };
}

const keyCount = async (accountId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM api_keys WHERE account_id = ?").bind(accountId).first<{ n: number }>())?.n ?? 0;

/** A key of the member's account, created through the page; its id. */
async function keyOf(m: Member): Promise<string> {
  await m.browser.get("/dashboard/keys");
  expect((await m.browser.post("/dashboard/keys", { name: "fixture" })).status).toBe(201);
  const row = await env.DB.prepare("SELECT id FROM api_keys WHERE account_id = ? ORDER BY created_at DESC LIMIT 1").bind(m.accountId).first<{ id: string }>();
  return row?.id ?? "";
}

/** A key made through the page, and the fixture's generation, product, endpoint and delivery: the ids every route needs. */
async function fixtureOf(m: Member): Promise<RouteIds> {
  return { keyId: await keyOf(m), ...(await dashboardFixture(m.accountId)) };
}

function idsOf(m: Member, extra: RouteIds = {}): RouteIds {
  return { email: m.email, password: GOOD_PASSWORD, accountId: m.accountId, adminToken: ADMIN_TOKEN, nonce: crypto.randomUUID().slice(0, 8), ...extra };
}

/** Loads a page with forms first, so the browser holds the current CSRF token. */
async function armCsrf(browser: TestBrowser, signedIn: boolean): Promise<void> {
  await browser.get(signedIn ? "/dashboard/account" : "/dashboard/sign-in");
  expect(browser.csrf(), "a CSRF token on the page").not.toBe("");
}

function signInTarget(path: string): string {
  return path === "/dashboard" ? "/dashboard/sign-in" : `/dashboard/sign-in?next=${encodeURIComponent(path)}`;
}

const describeStatus = (p: Page) => `${p.status} ${p.location ?? p.html.replace(/\s+/g, " ").slice(0, 200)}`;

let owner: Member;
let ownerFixture: RouteIds;
// Webhook deliveries (the fixture's, test events, retries) are queued: captured, never sent.
let webhookQueue: ReturnType<typeof captureWebhookQueue>;

beforeAll(async () => {
  webhookQueue = captureWebhookQueue();
  owner = await member();
  ownerFixture = await fixtureOf(owner);
});

afterAll(() => webhookQueue.restore());

describe("the dashboard auth matrix covers every served dashboard route", () => {
  it("lists each served (method, dashboard route) once, and nothing that is not served", () => {
    createApp();
    const served = servedRoutes()
      .map((r) => `${r.method} ${r.path}`)
      .filter((k) => /^[A-Z]+ \/dashboard(\/|$)/.test(k));
    const listed = Object.keys(DASHBOARD_ROUTES);
    expect(
      served.filter((k) => !listed.includes(k)),
      "served dashboard routes missing from test/helpers/dashboard-routes.ts",
    ).toEqual([]);
    expect(
      listed.filter((k) => !served.includes(k)),
      "listed routes the router does not serve",
    ).toEqual([]);
    expect(served.length).toBeGreaterThan(15);
  });
});

describe("signed out", () => {
  it.each(GETS.map(([k]) => k))("%s", async (key) => {
    const route = DASHBOARD_ROUTES[key] as DashRoute;
    const path = routePath(key, idsOf(owner, ownerFixture));
    const page = await new TestBrowser().get(path);
    if (route.access === "operator") expect(page.status, describeStatus(page)).toBe(404);
    else if (signedInOnly(route)) {
      expect(page.status, describeStatus(page)).toBe(303);
      expect(page.location).toBe(signInTarget(path));
    } else {
      expect(page.status, describeStatus(page)).toBe(route.ok);
    }
  });

  it.each(POSTS.map(([k]) => k))("%s (with a valid pre-session CSRF token)", async (key) => {
    const route = DASHBOARD_ROUTES[key] as DashRoute;
    const ids = idsOf(owner, ownerFixture);
    const browser = new TestBrowser();
    await armCsrf(browser, false);
    const before = await keyCount(owner.accountId);
    const page = await browser.post(routePath(key, ids), route.form?.(ids) ?? {});
    if (route.access === "operator") expect(page.status, describeStatus(page)).toBe(404);
    else if (signedInOnly(route)) {
      // A form cannot be replayed after sign-in: its page is the way back, after signing in.
      expect(page.status, describeStatus(page)).toBe(303);
      expect(page.location).toBe("/dashboard/sign-in");
      expect(await keyCount(owner.accountId)).toBe(before);
    } else {
      expect(page.status, describeStatus(page)).toBe(route.ok);
    }
  });
});

describe("the owner", () => {
  it("gets every page (the operator console does not exist for them)", async () => {
    const ids = idsOf(owner, ownerFixture);
    for (const [key, route] of GETS) {
      const page = await owner.browser.get(routePath(key, ids));
      const want = route.access === "operator" ? 404 : (route.signedInOk ?? route.ok);
      expect(page.status, `${key}: ${describeStatus(page)}`).toBe(want);
    }
  });

  it("gets every form's success (state-changing ones on a session of their own; the console's forms do not exist for them)", async () => {
    for (const [key, route] of POSTS) {
      const who = route.destructive ? await member() : owner;
      const ids = idsOf(who, route.destructive ? await fixtureOf(who) : ownerFixture);
      await armCsrf(who.browser, true);
      const page = await who.browser.post(routePath(key, ids), route.form?.(ids) ?? {});
      expect(page.status, `${key}: ${describeStatus(page)}`).toBe(route.access === "operator" ? 404 : route.ok);
      if (route.json && page.status === 200) expect(page.res.headers.get("content-type"), key).toMatch(/^application\/json/);
    }
  });
});

describe("a developer", () => {
  let dev: Member;
  let devFixture: RouteIds;
  beforeAll(async () => {
    dev = await member();
    devFixture = await fixtureOf(dev);
    await env.DB.prepare("UPDATE memberships SET role = 'developer' WHERE user_id = ?").bind(dev.userId).run();
  });

  it.each(GETS.filter(([, r]) => r.access === "member" || r.access === "operator").map(([k]) => k))("%s", async (key) => {
    const route = DASHBOARD_ROUTES[key] as DashRoute;
    const page = await dev.browser.get(routePath(key, idsOf(dev, devFixture)));
    const refused = route.access === "operator" ? 404 : route.permission && !can("developer", route.permission) ? 403 : null;
    expect(page.status, describeStatus(page)).toBe(refused ?? route.ok);
  });

  it("is refused every form of an area their role lacks, and changes nothing", async () => {
    for (const [key, route] of POSTS.filter(([, r]) => r.permission && !can("developer", r.permission))) {
      const ids = idsOf(dev, devFixture);
      await armCsrf(dev.browser, true);
      const page = await dev.browser.post(routePath(key, ids), route.form?.(ids) ?? {});
      expect([403, 404], `${key}: ${describeStatus(page)}`).toContain(page.status);
    }
  });
});

describe("an operator", () => {
  it("opens the operator console and gets every one of its forms' success", async () => {
    const op = await member();
    await env.DB.prepare("UPDATE users SET is_operator = 1 WHERE id = ?").bind(op.userId).run();
    for (const [key, route] of GETS.filter(([, r]) => r.access === "operator")) {
      const page = await op.browser.get(routePath(key, idsOf(op)));
      expect(page.status, `${key}: ${describeStatus(page)}`).toBe(route.ok);
    }
    const forms = POSTS.filter(([, r]) => r.access === "operator").sort(([, a], [, b]) => Number(a.destructive ?? false) - Number(b.destructive ?? false));
    for (const [key, route] of forms) {
      const ids = idsOf(op);
      await armCsrf(op.browser, true);
      const page = await op.browser.post(routePath(key, ids), route.form?.(ids) ?? {});
      expect(page.status, `${key}: ${describeStatus(page)}`).toBe(route.ok);
    }
  });
});

describe("a revoked session", () => {
  it("is signed out on its next request, on every page and form", async () => {
    const victim = await member();
    const fixture = await fixtureOf(victim);
    await armCsrf(victim.browser, true);
    const staleCsrf = victim.browser.csrf();
    const staleCookies = new Map(victim.browser.cookies);
    // The user signs out everywhere from another device.
    const other = new TestBrowser();
    await signInAs(other, victim.email);
    await armCsrf(other, true);
    expect((await other.post("/dashboard/sign-out-everywhere", {})).status).toBe(303);

    const before = await keyCount(victim.accountId);
    for (const [key, route] of ROUTES.filter(([, r]) => signedInOnly(r))) {
      const stale = new TestBrowser();
      for (const [k, v] of staleCookies) stale.cookies.set(k, v);
      const path = routePath(key, idsOf(victim, fixture));
      const page = key.startsWith("GET ")
        ? await stale.get(path)
        : await stale.post(path, { ...(route.form?.(idsOf(victim, fixture)) ?? {}), _csrf: staleCsrf });
      if (key.startsWith("GET ") && route.access === "operator") {
        expect(page.status, `${key}: ${describeStatus(page)}`).toBe(404);
      } else if (key.startsWith("GET ")) {
        expect(page.status, `${key}: ${describeStatus(page)}`).toBe(303);
        expect(page.location).toBe(signInTarget(path));
      } else {
        // The session's token died with it: the form is refused before anything runs.
        expect(page.status, `${key}: ${describeStatus(page)}`).toBe(403);
      }
      expect(page.res.headers.getSetCookie().join("\n"), key).toMatch(/__Host-drape_session=;.*Max-Age=0/i);
    }
    expect(await keyCount(victim.accountId)).toBe(before);
  });
});

describe("a disabled account", () => {
  it("shows none of its data and refuses its forms from the next request", async () => {
    const name = `Disabled Co ${crypto.randomUUID().slice(0, 8)}`;
    const m = await member({ accountName: name });
    const fixture = await fixtureOf(m);
    const keyId = fixture.keyId;
    expect((await m.browser.get("/dashboard")).html).toContain(name);
    const res = await admin(`/admin/v1/accounts/${m.accountId}`, { method: "PATCH", json: { status: "disabled" } });
    expect(res.status).toBe(200);

    for (const [key] of GETS.filter(([, r]) => r.access === "member")) {
      const page = await m.browser.get(routePath(key, idsOf(m, fixture)));
      expect(page.status, `${key}: ${describeStatus(page)}`).toBeLessThan(500);
      expect(page.html, key).not.toContain(name);
      expect(page.html, key).not.toContain(m.accountId);
    }
    expect((await m.browser.get("/dashboard")).html).toContain("not a member of any active account");
    const before = await keyCount(m.accountId);
    for (const [key, route] of POSTS.filter(([, r]) => r.permission)) {
      await armCsrf(m.browser, true);
      const ids = idsOf(m, fixture);
      const page = await m.browser.post(routePath(key, ids), route.form?.(ids) ?? {});
      expect(page.status, `${key}: ${describeStatus(page)}`).toBeGreaterThanOrEqual(400);
      expect(page.status, key).toBeLessThan(500);
    }
    expect(await keyCount(m.accountId)).toBe(before);
    const revoked = await env.DB.prepare("SELECT revoked_at AS r FROM api_keys WHERE id = ?").bind(keyId).first<{ r: number | null }>();
    expect(revoked?.r).toBeNull();
  });
});

describe("CSRF: every form", () => {
  const attempts: Array<[string, (browser: TestBrowser) => { fields: Record<string, string>; headers: Record<string, string> }]> = [
    ["no token", () => ({ fields: { _csrf: "" }, headers: { origin: BASE } })],
    ["another token", () => ({ fields: { _csrf: "A".repeat(43) }, headers: { origin: BASE } })],
    ["a foreign Origin", (b) => ({ fields: { _csrf: b.csrf() }, headers: { origin: "https://evil.example" } })],
    ["no Origin, cross-site fetch", (b) => ({ fields: { _csrf: b.csrf() }, headers: { "sec-fetch-site": "cross-site" } })],
    ["no Origin and no Sec-Fetch-Site", (b) => ({ fields: { _csrf: b.csrf() }, headers: {} })],
    ["the token in another browser's form", () => ({ fields: { _csrf: "__other__" }, headers: { origin: BASE } })],
  ];

  it.each(POSTS.map(([k]) => k))("%s: refused (403) and nothing changes", async (key) => {
    const route = DASHBOARD_ROUTES[key] as DashRoute;
    const signedIn = signedInOnly(route);
    const who = signedIn ? owner : { ...owner, browser: new TestBrowser() };
    const outsider = new TestBrowser();
    await armCsrf(outsider, false);
    const ids = idsOf(owner, ownerFixture);
    const before = await keyCount(owner.accountId);
    const sessions = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE revoked_at IS NULL").first<{ n: number }>();
    for (const [what, attempt] of attempts) {
      await armCsrf(who.browser, signedIn);
      const { fields, headers } = attempt(who.browser);
      if (fields._csrf === "__other__") fields._csrf = outsider.csrf();
      const page = await who.browser.post(routePath(key, ids), { ...(route.form?.(ids) ?? {}), ...fields }, headers);
      expect(page.status, `${what}: ${describeStatus(page)}`).toBe(403);
      expect(page.html, what).toContain("This form has expired");
    }
    expect(await keyCount(owner.accountId)).toBe(before);
    const after = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE revoked_at IS NULL").first<{ n: number }>();
    // Only sign-in makes sessions; a refused one makes none (other tests' sign-ins run in other files' isolates).
    if (key === "POST /dashboard/sign-in") expect(after?.n).toBe(sessions?.n);
    expect((await owner.browser.get("/dashboard/keys")).status, "the owner is still signed in").toBe(200);
  });
});
