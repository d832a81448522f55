import { describe, expect, it } from "vitest";
import { TestBrowser, uniqueEmail, verifiedUser } from "../helpers/dashboard";
import { ADMIN_TOKEN, admin, call, env } from "../helpers/harness";
import { insertGeneration } from "../helpers/webhooks";

const OPERATOR_COOKIE = "__Host-drape_operator";

/** A browser holding an ADMIN_TOKEN operator session. */
async function tokenOperator(): Promise<TestBrowser> {
  const browser = new TestBrowser();
  await browser.get("/dashboard/operator/sign-in");
  const page = await browser.post("/dashboard/operator/sign-in", { token: ADMIN_TOKEN });
  expect(page.status).toBe(303);
  expect(page.location).toBe("/dashboard/operator");
  return browser;
}

/** Creates an account from the console; its id. */
async function createFromConsole(browser: TestBrowser, name: string, owner = ""): Promise<string> {
  await browser.get("/dashboard/operator");
  const created = await browser.post("/dashboard/operator/accounts", { name, owner });
  expect(created.status).toBe(303);
  return /\/dashboard\/operator\/accounts\/([^/?]+)$/.exec(created.location ?? "")?.[1] ?? "";
}

const accountRow = (id: string) => env.DB.prepare("SELECT name, status FROM accounts WHERE id = ?").bind(id).first<{ name: string; status: string }>();

describe("operator console", () => {
  it("answers 404 to anyone but an operator: signed out, or a signed-in user who is not one", async () => {
    expect((await new TestBrowser().get("/dashboard/operator")).status).toBe(404);
    const { browser } = await verifiedUser();
    expect((await browser.get("/dashboard/operator")).status).toBe(404);
    await browser.get("/dashboard");
    expect((await browser.post("/dashboard/operator/maintenance", { enabled: "true" })).status).toBe(404);
    expect((await browser.get("/dashboard/operator/accounts/acct_x")).status).toBe(404);
  });

  it("ADMIN_TOKEN sign-in mints a one-hour operator session in its own cookie; a wrong token gets none", async () => {
    const wrong = new TestBrowser();
    await wrong.get("/dashboard/operator/sign-in");
    const refused = await wrong.post("/dashboard/operator/sign-in", { token: `${ADMIN_TOKEN}x` });
    expect(refused.status).toBe(401);
    expect(refused.html).toContain("does not open the console");
    expect(wrong.cookies.has(OPERATOR_COOKIE)).toBe(false);

    const browser = new TestBrowser();
    await browser.get("/dashboard/operator/sign-in");
    const ok = await browser.post("/dashboard/operator/sign-in", { token: ADMIN_TOKEN });
    expect(ok.res.headers.getSetCookie().find((c) => c.startsWith(OPERATOR_COOKIE))).toMatch(/Max-Age=3600;.*HttpOnly; Secure; SameSite=Lax/);
    const page = await browser.follow(ok);
    expect(page.status).toBe(200);
    expect(page.html).toContain("Operator console");
    const session = await env.DB.prepare(
      "SELECT kind, user_id AS userId, expires_at - created_at AS life FROM sessions ORDER BY created_at DESC LIMIT 1",
    ).first<{
      kind: string;
      userId: string | null;
      life: number;
    }>();
    expect(session).toEqual({ kind: "operator", userId: null, life: 3_600_000 });
    // The token session opens the console only, not the user pages.
    expect((await browser.get("/dashboard/keys")).status).toBe(303);
  });

  it("throttles ADMIN_TOKEN attempts per address: after 5 wrong tokens even the right one gets 429", async () => {
    const browser = new TestBrowser();
    await browser.get("/dashboard/operator/sign-in");
    for (let i = 0; i < 5; i++) expect((await browser.post("/dashboard/operator/sign-in", { token: `guess-${i}-0123456789abcdef` })).status).toBe(401);
    const blocked = await browser.post("/dashboard/operator/sign-in", { token: ADMIN_TOKEN });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(browser.cookies.has(OPERATOR_COOKIE)).toBe(false);
  });

  it("an expired or ended operator session opens nothing", async () => {
    const browser = await tokenOperator();
    await browser.get("/dashboard/operator");
    const ended = await browser.post("/dashboard/operator/sign-out", {});
    expect(ended.status).toBe(303);
    expect((await browser.get("/dashboard/operator")).status).toBe(404);

    const other = await tokenOperator();
    await env.DB.prepare("UPDATE sessions SET expires_at = created_at WHERE kind = 'operator' AND revoked_at IS NULL").run();
    expect((await other.get("/dashboard/operator")).status).toBe(404);
  });

  it("creates an account and invites its owner; lists and searches accounts by name or exact id", async () => {
    const browser = await tokenOperator();
    const tag = crypto.randomUUID().slice(0, 8);
    const owner = uniqueEmail("owner");
    const id = await createFromConsole(browser, `Console ${tag} shop`, owner);
    expect(await accountRow(id)).toEqual({ name: `Console ${tag} shop`, status: "active" });
    const invite = await env.DB.prepare("SELECT email, role FROM invites WHERE account_id = ?").bind(id).first();
    expect(invite).toEqual({ email: owner, role: "owner" });
    const mail = await env.DB.prepare('SELECT subject FROM dev_outbox WHERE "to" = ?').bind(owner).first<{ subject: string }>();
    expect(mail?.subject).toBeTruthy();
    await createFromConsole(browser, `Other ${tag}`);

    const byName = await browser.get(`/dashboard/operator?q=${encodeURIComponent(`${tag} SHOP`)}`);
    expect(byName.html).toContain(`Console ${tag} shop`);
    expect(byName.html).not.toContain(`Other ${tag}`);
    const byId = await browser.get(`/dashboard/operator?q=${id}`);
    expect(byId.html).toContain(`Console ${tag} shop`);
    expect(byId.html).not.toContain(`Other ${tag}`);
    expect((await browser.get("/dashboard/operator?q=%25")).html).not.toContain(`Console ${tag}`); // % is a character, not a wildcard
  });

  it("refuses a bad account form in place (the API's schema), keeping what was typed", async () => {
    const browser = await tokenOperator();
    await browser.get("/dashboard/operator");
    const bad = await browser.post("/dashboard/operator/accounts", { name: "   ", owner: "nope" });
    expect(bad.status).toBe(400);
    expect(bad.html).toMatch(/id="f-name-error"/);
    expect(bad.html).toMatch(/id="f-owner-error"/);
    expect(bad.html).toContain('value="nope"');
  });

  it("shows an account's engine cost, credit revenue and margin per day", async () => {
    const browser = await tokenOperator();
    const id = await createFromConsole(browser, "Cost shop");
    const completed = await insertGeneration(id, { status: "COMPLETED" });
    const failed = await insertGeneration(id, { status: "FAILED" });
    await env.DB.prepare("UPDATE generations SET cost_usd_micros = 45000, credit_state = 'committed' WHERE id = ?").bind(completed).run();
    await env.DB.prepare("UPDATE generations SET cost_usd_micros = 2500, credit_state = 'refunded' WHERE id = ?").bind(failed).run();
    const page = await browser.get(`/dashboard/operator/accounts/${id}`);
    expect(page.status).toBe(200);
    const table = /<table data-testid="cost-table">([\s\S]*?)<\/table>/.exec(page.html)?.[1] ?? "";
    const day = new Date(
      (await env.DB.prepare("SELECT created_at FROM generations WHERE id = ?").bind(completed).first<{ created_at: number }>())?.created_at ?? 0,
    )
      .toISOString()
      .slice(0, 10);
    // 2 generations, $0.0475 upstream, one credit spent at $0.10: $0.0525 margin — that day, and in total.
    const cells = (label: string) => new RegExp(`<th scope="row">${label}[^<]*</th><td>2</td><td>\\$0\\.0475</td><td>\\$0\\.1000</td><td>\\$0\\.0525</td>`);
    expect(table).toMatch(cells(day));
    expect(table).toMatch(cells("Total"));
  });

  it("grants and adjusts credits with a reason through the same ledger as the operator API; a resent form grants once", async () => {
    const browser = await tokenOperator();
    const id = await createFromConsole(browser, "Credits shop");
    const detail = await browser.get(`/dashboard/operator/accounts/${id}`);
    const reference = /name="reference" value="([^"]+)"/.exec(detail.html)?.[1] ?? "";
    const granted = await browser.post(`/dashboard/operator/accounts/${id}/credits`, { amount: "25", reason: "pilot", reference });
    expect(granted.status).toBe(303);
    await browser.post(`/dashboard/operator/accounts/${id}/credits`, { amount: "25", reason: "pilot", reference });
    expect((await browser.follow(granted)).html).toContain("Already recorded");
    const ledger = (await (await admin(`/admin/v1/accounts/${id}/credits`)).json()) as {
      creditBalance: number;
      items: Array<{ reason: string | null; amount: number }>;
    };
    expect(ledger.creditBalance).toBe(25);
    expect(ledger.items.filter((e) => e.reason === "pilot")).toHaveLength(1);

    const page = await browser.get(`/dashboard/operator/accounts/${id}`);
    expect(page.html).toContain('data-testid="credit-balance">25<');
    const zero = await browser.post(`/dashboard/operator/accounts/${id}/credits`, { amount: "0", reason: "oops" });
    expect(zero.status).toBe(400);
    expect(zero.html).toMatch(/id="f-amount-error"/);
    expect(zero.html).toContain('value="oops"');
    await browser.post(`/dashboard/operator/accounts/${id}/credits`, { amount: "-5", reason: "correction" });
    expect(((await (await admin(`/admin/v1/accounts/${id}/credits`)).json()) as { creditBalance: number }).creditBalance).toBe(20);
  });

  it("disables and enables an account (its members lose access at once)", async () => {
    const { browser: member, email } = await verifiedUser();
    const accountId =
      (
        await env.DB.prepare("SELECT m.account_id AS a FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ?")
          .bind(email)
          .first<{ a: string }>()
      )?.a ?? "";
    const op = await tokenOperator();
    await op.get(`/dashboard/operator/accounts/${accountId}`);
    expect((await op.post(`/dashboard/operator/accounts/${accountId}/status`, { status: "disabled" })).status).toBe(303);
    expect((await accountRow(accountId))?.status).toBe("disabled");
    expect((await member.get("/dashboard/keys")).html).toContain("not a member of any active account");
    await op.get(`/dashboard/operator/accounts/${accountId}`);
    await op.post(`/dashboard/operator/accounts/${accountId}/status`, { status: "active" });
    expect((await accountRow(accountId))?.status).toBe("active");
    expect((await member.get("/dashboard/keys")).html).toContain("Create a key");
  });

  it("turns maintenance mode on and off with the operator API's service", async () => {
    const browser = await tokenOperator();
    await browser.get("/dashboard/operator");
    try {
      expect((await browser.post("/dashboard/operator/maintenance", { enabled: "true" })).status).toBe(303);
      expect(((await (await admin("/admin/v1/maintenance")).json()) as { enabled: boolean }).enabled).toBe(true);
      expect((await call("/tryon/v1/account")).status).toBe(503);
      const page = await browser.get("/dashboard/operator");
      expect(page.html).toContain("Turn maintenance off");
    } finally {
      await browser.post("/dashboard/operator/maintenance", { enabled: "false" });
    }
    expect(((await (await admin("/admin/v1/maintenance")).json()) as { enabled: boolean }).enabled).toBe(false);
  });

  it("an operator user (users.is_operator) opens the console from their own session", async () => {
    const { browser, email } = await verifiedUser();
    await env.DB.prepare("UPDATE users SET is_operator = 1 WHERE email = ?").bind(email).run();
    const page = await browser.get("/dashboard/operator");
    expect(page.status).toBe(200);
    expect(page.html).toContain(`Operator console · ${email}`);
  });

  it("a signed-in user who also opens an ADMIN_TOKEN session keeps both working (each form carries its own session's token)", async () => {
    const { browser } = await verifiedUser();
    await browser.get("/dashboard/operator/sign-in");
    expect((await browser.post("/dashboard/operator/sign-in", { token: ADMIN_TOKEN })).status).toBe(303);
    const console = await browser.get("/dashboard/operator");
    expect(console.status).toBe(200);
    expect(console.html).not.toContain('action="/dashboard/sign-out"');
    await browser.get("/dashboard/operator");
    expect((await browser.post("/dashboard/operator/maintenance", { enabled: "false" })).status).toBe(303);
    await browser.get("/dashboard");
    const out = await browser.post("/dashboard/sign-out", {});
    expect(out.status).toBe(303);
    expect(out.location).toBe("/dashboard/sign-in");
  });
});
