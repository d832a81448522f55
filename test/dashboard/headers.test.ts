import { describe, expect, it } from "vitest";
import { DASHBOARD_CSP } from "../../src/dashboard/middleware/security-headers";
import { servedRoutes } from "../../src/http/route-table";
import { TestBrowser, verifiedUser } from "../helpers/dashboard";
import { BASE, call } from "../helpers/harness";
import { prng } from "../helpers/prng";

const dashboardRoutes = () => servedRoutes().filter((r) => r.path.startsWith("/dashboard"));

function expectSecureHeaders(res: Response, label: string) {
  expect(res.headers.get("content-security-policy"), label).toBe(DASHBOARD_CSP);
  expect(res.headers.get("x-content-type-options"), label).toBe("nosniff");
  expect(res.headers.get("referrer-policy"), label).toBe("same-origin");
  expect(res.headers.get("cross-origin-opener-policy"), label).toBe("same-origin");
  expect(res.headers.get("x-frame-options"), label).toBe("DENY");
}

describe("security headers", () => {
  it("the CSP allows this origin only: no inline script, no framing, no third party", () => {
    expect(DASHBOARD_CSP).toContain("default-src 'none'");
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).toContain("frame-ancestors 'none'");
    expect(DASHBOARD_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  });

  it("every dashboard response carries them: pages signed in and out, redirects, errors, refusals and assets", async () => {
    const { browser } = await verifiedUser();
    const anon = new TestBrowser();
    const paths = [...new Set(dashboardRoutes().map((r) => r.path.replace(/:[A-Za-z]+/g, "x")))];
    expect(paths.length).toBeGreaterThan(15);
    for (const path of [...paths, "/dashboard/nope", "/dashboard/app.css", "/dashboard/app.js", "/dashboard/verify-email?token=bad"]) {
      for (const who of [browser, anon]) {
        const page = await who.get(path);
        expect(page.status, path).toBeLessThan(500);
        expectSecureHeaders(page.res, `GET ${path}`);
        if (page.res.headers.get("content-type")?.includes("text/html")) expect(page.res.headers.get("cache-control"), path).toBe("no-store");
      }
    }
    const refused = await anon.post("/dashboard/sign-in", { email: "a@b.c" }, { origin: "https://evil.example" });
    expect(refused.status).toBe(403);
    expectSecureHeaders(refused.res, "CSRF refusal");
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const wrongMethod = await call("/dashboard/keys", { method: "PUT", headers: { cookie }, redirect: "manual" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toContain("GET");
    expectSecureHeaders(wrongMethod, "405");
  });

  it("pages load no third-party resource and no inline script", async () => {
    const { browser } = await verifiedUser();
    for (const path of ["/dashboard", "/dashboard/keys", "/dashboard/account", "/dashboard/sign-in"]) {
      const { html } = await (path === "/dashboard/sign-in" ? new TestBrowser() : browser).get(path);
      for (const m of html.matchAll(/<(script|link|img)\b[^>]*>/g)) {
        expect(m[0], path).not.toMatch(/(src|href)="(https?:)?\/\//);
        if (m[1] === "script") expect(m[0], path).toMatch(/src="\/dashboard\/app\.js"/);
      }
      expect(html, path).not.toMatch(/ style="/);
      expect(html, path).not.toMatch(/ on[a-z]+="/);
    }
  });
});

describe("dashboard forms under fuzz: nothing a client sends answers 5xx", () => {
  it("300 seeded posts of junk to every dashboard form endpoint, with valid and invalid CSRF", async () => {
    const { browser } = await verifiedUser();
    const rand = prng(0xda5b0a2d);
    const posts = dashboardRoutes().filter((r) => r.method === "POST");
    expect(posts.length).toBeGreaterThan(8);
    const junk = ["", "x", "ü😀", "\u0000", "a".repeat(5000), "1e309", "-1", "<script>alert(1)</script>", "%ZZ", "dr_live_x", "acc_x", "/dashboard//evil"];
    const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)] as T;
    const failures: string[] = [];
    for (let i = 0; i < 300; i++) {
      const route = posts[i % posts.length] as { path: string };
      const path = route.path.replace(/:[A-Za-z]+/g, () => pick(["x", "key_0000", "%00", "ü"]));
      await browser.get("/dashboard/keys");
      const fields: Record<string, string> = {};
      for (const name of [
        "email",
        "password",
        "name",
        "rateLimitPerMinute",
        "spendCap",
        "token",
        "invite",
        "accountId",
        "next",
        "accountName",
        "overlapHours",
        "back",
        "url",
        "description",
        "event:generation.completed",
        "enabled",
      ]) {
        if (rand() < 0.6) fields[name] = pick(junk);
      }
      if (rand() < 0.2) fields._csrf = pick(junk);
      const type = pick(["application/x-www-form-urlencoded", "multipart/form-data; boundary=zz", "text/plain", "application/json"]);
      const body = type.startsWith("multipart")
        ? `--zz\r\nContent-Disposition: form-data; name="name"\r\n\r\n${pick(junk)}\r\n--zz--\r\n`
        : new URLSearchParams(fields).toString();
      const res = await call(path, {
        method: "POST",
        headers: {
          "content-type": type,
          origin: rand() < 0.9 ? BASE : "https://evil.example",
          cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
        },
        body: rand() < 0.1 ? `${body}&_csrf=${browser.csrf()}` : body,
        redirect: "manual",
      });
      const text = await res.text();
      if (res.status >= 500) failures.push(`#${i} POST ${path} (${type}) → ${res.status} ${text.slice(0, 120)}`);
      if (res.headers.get("content-security-policy") !== DASHBOARD_CSP) failures.push(`#${i} POST ${path} → no CSP`);
    }
    expect(failures).toEqual([]);
    // Every page added adds posts: the budget is generous so a busy machine does not fail it.
  }, 120_000);
});
