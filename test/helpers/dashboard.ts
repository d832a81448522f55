import { BASE, call, env } from "./harness";

/** A password no rule refuses (long, varied, not in the common list). */
export const GOOD_PASSWORD = "violet-Anchor-58-quartz";

let ipCounter = 0;
/** A distinct documentation-range address per browser, so throttles of one test never touch another's. */
const nextIp = () => {
  ipCounter++;
  return `198.51.${Math.floor(ipCounter / 250) % 250}.${(ipCounter % 250) + 1}`;
};

export interface Page {
  res: Response;
  status: number;
  html: string;
  location: string | null;
}

/**
 * A minimal browser for the dashboard: a cookie jar, same-origin `Origin` on posts, and the CSRF
 * token of the last page's forms filled in automatically (unless a test overrides `_csrf`).
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();
  readonly ip = nextIp();
  lastHtml = "";

  private headers(extra: Record<string, string> = {}): Headers {
    const h = new Headers(extra);
    if (this.cookies.size > 0) h.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    h.set("cf-connecting-ip", this.ip);
    return h;
  }

  private async record(res: Response): Promise<Page> {
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const html = await res.text();
    if (res.headers.get("content-type")?.includes("text/html")) this.lastHtml = html;
    return { res, status: res.status, html, location: res.headers.get("location") };
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.record(await call(path, { headers: this.headers(headers), redirect: "manual" }));
  }

  /** The CSRF token in the last page's forms. */
  csrf(): string {
    return /name="_csrf" value="([^"]*)"/.exec(this.lastHtml)?.[1] ?? "";
  }

  async post(path: string, fields: Record<string, string>, headers: Record<string, string> = { origin: BASE }): Promise<Page> {
    const body = new URLSearchParams({ _csrf: this.csrf(), ...fields });
    const h = this.headers({ "content-type": "application/x-www-form-urlencoded", ...headers });
    return this.record(await call(path, { method: "POST", headers: h, body: body.toString(), redirect: "manual" }));
  }

  /** A multipart form post (a form with file inputs); the CSRF token is added unless `form` has one. */
  async postMultipart(path: string, form: FormData, headers: Record<string, string> = { origin: BASE }): Promise<Page> {
    if (!form.has("_csrf")) form.set("_csrf", this.csrf());
    return this.record(await call(path, { method: "POST", headers: this.headers(headers), body: form, redirect: "manual" }));
  }

  /** Follows one 303 (as a browser does after a form post). */
  async follow(page: Page): Promise<Page> {
    if (!page.location) throw new Error(`no redirect (status ${page.status})`);
    return this.get(new URL(page.location, BASE).pathname + new URL(page.location, BASE).search);
  }
}

/** The newest dev-outbox email to `to` (whose subject contains `subject`, if given), and the first link in it. */
export async function lastEmailTo(to: string, subject = ""): Promise<{ subject: string; text: string; link: string | null } | null> {
  const row = await env.DB.prepare('SELECT subject, text FROM dev_outbox WHERE "to" = ? AND instr(subject, ?) > 0 ORDER BY created_at DESC, id DESC LIMIT 1')
    .bind(to, subject)
    .first<{ subject: string; text: string }>();
  if (!row) return null;
  return { ...row, link: /https?:\/\/\S+/.exec(row.text)?.[0] ?? null };
}

/** The path and query of an emailed link (the tests' origin differs from PUBLIC_BASE_URL). */
export const pathOf = (link: string) => {
  const u = new URL(link);
  return `${u.pathname}${u.search}`;
};

export const uniqueEmail = (tag = "user") => `${tag}-${crypto.randomUUID().slice(0, 8)}@example.com`;

/** Signs up (open mode), verifies through the emailed link, and signs in: a ready, verified user. */
export async function verifiedUser(opts: { email?: string; password?: string; accountName?: string } = {}): Promise<{ browser: TestBrowser; email: string }> {
  const browser = new TestBrowser();
  const email = opts.email ?? uniqueEmail();
  await browser.get("/dashboard/sign-up");
  const signedUp = await browser.post("/dashboard/sign-up", { email, password: opts.password ?? GOOD_PASSWORD, accountName: opts.accountName ?? "" });
  if (signedUp.status !== 200) throw new Error(`sign-up answered ${signedUp.status}`);
  const mail = await lastEmailTo(email);
  if (!mail?.link) throw new Error("no verification email");
  const verified = await browser.get(pathOf(mail.link));
  if (verified.status !== 200) throw new Error(`verification answered ${verified.status}`);
  await signInAs(browser, email, opts.password ?? GOOD_PASSWORD);
  return { browser, email };
}

export async function signInAs(browser: TestBrowser, email: string, password = GOOD_PASSWORD): Promise<Page> {
  await browser.get("/dashboard/sign-in");
  const page = await browser.post("/dashboard/sign-in", { email, password });
  if (page.status !== 303) throw new Error(`sign-in answered ${page.status}`);
  return page;
}
