import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FORM_MAX_BYTES } from "../../src/dashboard/forms";
import { DASHBOARD_CSP } from "../../src/dashboard/middleware/security-headers";
import { GOOD_PASSWORD, signInAs, TestBrowser, verifiedUser } from "../helpers/dashboard";
import { accountOf } from "../helpers/dashboard-data";
import { dashboardFixture } from "../helpers/dashboard-fixture";
import { DASHBOARD_ROUTES, type DashRoute, type RouteIds, routePath } from "../helpers/dashboard-routes";
import { BASE, call, env } from "../helpers/harness";
import { prng } from "../helpers/prng";
import { captureWebhookQueue } from "../helpers/webhooks";

/**
 * Seeded, reproducible fuzzing of every dashboard form (the POST routes of
 * test/helpers/dashboard-routes.ts), like the API's (test/routes/fuzz.test.ts): near-valid forms
 * with fields missing, duplicated, unknown, oversized or nasty; broken percent-encoding and bytes
 * that are not UTF-8; wrong, missing and lying content types; broken multipart; mostly with a
 * valid CSRF token so the pages behind it are reached. Whatever is sent:
 * - never a 5xx;
 * - a redirect (303) stays in the dashboard, anything else is an HTML page with the dashboard's CSP;
 * - a refusal (4xx) is the page equivalent of the API's envelope: a titled page whose message says
 *   what went wrong (a field's error tied to its input, an alert, or the error page with its
 *   request id);
 * - a form re-rendered after a refusal keeps what was typed in its visible fields, and never
 *   echoes a password.
 * A failure names its seed and request index.
 */

const SEEDS = [0xda5b0001, 0xda5b0002, 0xda5b0003, 0xda5b0004];
// About a dozen requests per form per seed: the count grows with the route list.
const REQUESTS_PER_SEED = 700;

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const int = (rand: Rand, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

const BOUNDARY = "dashFuzzBoundary9x";
const CONTENT_TYPES = [
  "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded; charset=UTF-8",
  "application/x-www-form-urlencoded; charset=iso-8859-1",
  `multipart/form-data; boundary=${BOUNDARY}`,
  "multipart/form-data",
  "multipart/form-data; boundary=",
  "text/plain",
  "application/json",
  "text/html",
  "",
];

/** Strings that have broken parsers, templates and databases before. */
const NASTY = [
  "",
  " ",
  "  padded@example.com  ",
  "ü",
  "😀👩‍👩‍👧",
  "\u202eevil\u202c",
  "e\u0301",
  "\u0000",
  "\u0001\u001f\u007f",
  "\r\n",
  "<script>alert(1)</script>",
  '"><img src=x>',
  "' OR 1=1 --",
  "&amp;&lt;",
  "1e309",
  "-1",
  "0",
  "99999999999999999999",
  "12abc",
  "https://evil.example/x",
  "//evil.example",
  "/dashboard/../tryon/v1/account",
  "dr_live_x",
  "acc_x",
  "x".repeat(257),
  "y".repeat(5001),
];

/** Raw urlencoded fragments a form encoder would never make. */
const RAW_JUNK = ["%ZZ", "%", "%E", "%ED%A0%80", "%FF%FE", "%C0%AF", "%00", "a=b=c", "&&&", "==", "+++", "%2B%26", "\u00ff"];

/** Fields no form has, and names of every form's fields (so a form gets others' too). */
const FIELD_NAMES = [
  "email",
  "password",
  "accountName",
  "name",
  "rateLimitPerMinute",
  "spendCap",
  "token",
  "invite",
  "accountId",
  "next",
  "extra",
  "__proto__",
  "constructor",
  "field[]",
  "",
];

interface Sent {
  path: string;
  route: DashRoute;
  type: string;
  body: BodyInit;
  /** The fields as the server should read them (first value of each), when the body is a well-formed form. */
  fields: Record<string, string> | null;
  password: string | null;
}

let owner: { browser: TestBrowser; email: string; keyId: string };
let ids: RouteIds;
// The fixture's delivery, test events and retries are queued: captured, never sent.
let webhookQueue: ReturnType<typeof captureWebhookQueue>;

beforeAll(async () => {
  webhookQueue = captureWebhookQueue();
  // The sign-in and reset forms name another user: their failed attempts throttle that address, not the owner's.
  const target = await verifiedUser();
  const { browser, email } = await verifiedUser();
  await browser.get("/dashboard/keys");
  expect((await browser.post("/dashboard/keys", { name: "fuzz" })).status).toBe(201);
  const row = await env.DB.prepare(
    "SELECT k.id FROM api_keys k JOIN memberships m ON m.account_id = k.account_id JOIN users u ON u.id = m.user_id WHERE u.email = ?",
  )
    .bind(email)
    .first<{ id: string }>();
  owner = { browser, email, keyId: row?.id ?? "" };
  // The generation, product, webhook endpoint and delivery the parameterised forms act on.
  const accountId = await accountOf(email);
  const fixture = await dashboardFixture(accountId);
  // No operator token: the console's forms answer the not-found page a non-operator gets.
  ids = { ...fixture, email: target.email, password: GOOD_PASSWORD, keyId: owner.keyId, accountId, nonce: "fuzz" };
});

afterAll(() => webhookQueue.restore());

/** The form's valid fields, then mutated: some dropped, some replaced, unknown ones added. */
function fieldsFor(rand: Rand, route: DashRoute, i: number): Array<[string, string]> {
  const base = Object.entries(route.form?.(ids) ?? {});
  const out: Array<[string, string]> = [];
  for (const [name, value] of base) {
    const r = rand();
    if (r < 0.15) continue; // missing
    if (r < 0.55) out.push([name, pick(rand, NASTY)]);
    else out.push([name, value]);
    if (rand() < 0.1) out.push([name, pick(rand, NASTY)]); // duplicate: the first one counts
  }
  for (let n = int(rand, 0, 2); n > 0; n--) out.push([pick(rand, FIELD_NAMES), pick(rand, NASTY)]);
  if (rand() < 0.3) out.push(["password", `Fuzz-secret-${i}-${Math.floor(rand() * 1e9).toString(36)}`]);
  if (rand() < 0.05) out.push([pick(rand, ["name", "email", "accountName"]), "z".repeat(int(rand, 20_000, 60_000))]); // big, under the cap
  return out;
}

/** A urlencoded body; `raw` when fragments no encoder makes were added (its fields are then not predictable). */
function urlencoded(rand: Rand, fields: Array<[string, string]>): { body: string; raw: boolean } {
  const body = fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  if (rand() < 0.25) return { body: `${body}&${pick(rand, RAW_JUNK)}=${pick(rand, RAW_JUNK)}`, raw: true };
  return { body, raw: false };
}

function multipart(rand: Rand, fields: Array<[string, string]>): string {
  const parts = fields.map(([k, v]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k.replace(/"/g, "%22")}"\r\n\r\n${v}\r\n`);
  if (rand() < 0.15) parts.push(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nbytes\r\n`);
  const closing = rand() < 0.15 ? "" : `--${BOUNDARY}--\r\n`; // sometimes truncated
  return parts.join("") + closing;
}

/** First value of each field, as a form parser reads a well-formed body. */
function firstValues(fields: Array<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of fields) if (!(k in out)) out[k] = v;
  return out;
}

function request(rand: Rand, i: number, csrf: string): Sent {
  const posts = Object.entries(DASHBOARD_ROUTES).filter(([k]) => k.startsWith("POST "));
  const [key, route] = pick(rand, posts);
  const path = rand() < 0.1 ? key.slice(5).replace(/:[A-Za-z]+/g, () => pick(rand, ["x", "%00", "ü", "key_0000", "..", "%ZZ"])) : routePath(key, ids);
  const fields = fieldsFor(rand, route, i);
  const r = rand();
  if (r < 0.8) fields.unshift(["_csrf", csrf]);
  else if (r < 0.9) fields.unshift(["_csrf", pick(rand, NASTY)]);
  const password = fields.find(([k, v]) => k === "password" && v.startsWith("Fuzz-secret-"))?.[1] ?? null;
  const type = rand() < 0.7 ? pick(rand, CONTENT_TYPES.slice(0, 4)) : pick(rand, CONTENT_TYPES);
  const shape = rand();
  if (shape < 0.03) {
    // Over the cap: refused (413) before anything reads it.
    return { path, route, type, body: `_csrf=${csrf}&name=${"o".repeat(FORM_MAX_BYTES + 1)}`, fields: null, password };
  }
  if (shape < 0.08) {
    // Bytes that are not UTF-8 (a Latin-1 form, or garbage).
    const bytes = new Uint8Array([...new TextEncoder().encode(`_csrf=${csrf}&name=`), 0xe9, 0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]);
    return { path, route, type, body: bytes, fields: null, password };
  }
  if (type.startsWith("multipart/form-data")) {
    const wellFormed = type.endsWith(BOUNDARY);
    return { path, route, type, body: multipart(rand, fields), fields: wellFormed ? firstValues(fields) : null, password };
  }
  const { body, raw } = urlencoded(rand, fields);
  return { path, route, type, body, fields: type.startsWith("application/x-www-form-urlencoded") && !raw ? firstValues(fields) : null, password };
}

const unescapeAttr = (v: string) =>
  v
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** The visible, non-password inputs of a page: name → value (absent: null; a ticked checkbox: TICKED). */
const TICKED = "\u0000ticked";

function visibleInputs(html: string): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const m of html.matchAll(/<input\b([^>]*)>/g)) {
    const attrs = m[1] ?? "";
    const type = /\btype="([^"]*)"/.exec(attrs)?.[1] ?? "text";
    const name = /\bname="([^"]*)"/.exec(attrs)?.[1];
    if (!name || type === "hidden" || type === "password" || out.has(name)) continue;
    // A checkbox keeps its input by being ticked (any value sent means "on"); unticked, it lost it.
    if (type === "checkbox") {
      out.set(name, /\bchecked\b/.test(attrs) ? TICKED : null);
      continue;
    }
    const value = /\bvalue="([^"]*)"/.exec(attrs)?.[1];
    out.set(name, value === undefined ? null : unescapeAttr(value));
  }
  return out;
}

/** Re-rendered fields whose kept input was checked (the run must check many). */
let keptChecked = 0;

/** What is wrong with the answer to `sent` (empty: nothing). */
async function problems(sent: Sent, res: Response): Promise<string[]> {
  const out: string[] = [];
  const html = await res.text();
  if (res.status >= 500) out.push(`${res.status}: ${html.replace(/\s+/g, " ").slice(0, 200)}`);
  if (res.headers.get("content-security-policy") !== DASHBOARD_CSP) out.push("no dashboard CSP");
  if (res.status >= 300 && res.status < 400) {
    const location = res.headers.get("location") ?? "";
    if (res.status !== 303) out.push(`redirect ${res.status} (forms answer 303)`);
    if (!/^\/dashboard(\/|\?|$)/.test(location)) out.push(`redirect out of the dashboard: ${location}`);
    return out;
  }
  if (sent.route.json && res.headers.get("content-type")?.startsWith("application/json")) {
    // A ceremony's options (or, throttled, why not): JSON for the page's script, never a page.
    const body = JSON.parse(html) as Record<string, unknown>;
    if (res.status === 200 && !("challengeId" in body && "options" in body)) out.push(`200 JSON without a ceremony: ${html.slice(0, 120)}`);
    if (res.status !== 200 && !(res.status === 429 && typeof body.error === "string")) out.push(`${res.status} JSON: ${html.slice(0, 120)}`);
    return out;
  }
  if (!res.headers.get("content-type")?.startsWith("text/html") || !html.startsWith("<!doctype html>")) out.push("not an HTML page");
  if (!/<h1\b[^>]*>[^<]+<\/h1>/.test(html)) out.push("no page title");
  if (sent.password && html.includes(sent.password)) out.push("the page echoes a password");
  if (res.status >= 400) {
    const explained =
      /id="f-[^"]+-error"/.test(html) || /role="alert"/.test(html) || /Request id: <code>req_/.test(html) || /<main\b[\s\S]*<p>[^<]{20,}/.test(html);
    if (!explained) out.push(`${res.status} without a message`);
    if (sent.fields) {
      // The route's own fields: a page may hold other forms (settings shows the stored account name).
      const own = new Set(Object.keys(sent.route.form?.(ids) ?? {}));
      for (const [name, shown] of visibleInputs(html)) {
        const typed = sent.fields[name];
        if (!own.has(name) || typed === undefined || typed.trim() === "") continue;
        // A browser sends a checkbox's value ("on") only when it is checked; any other value is not a typed one.
        if (name.startsWith("event:") && typed !== "on") continue;
        keptChecked++;
        if (shown === TICKED) continue;
        if (shown !== typed && shown !== typed.trim())
          out.push(
            `${res.status}: the field ${name} lost what was typed (${JSON.stringify(typed.slice(0, 40))} → ${JSON.stringify(shown?.slice(0, 40) ?? null)})`,
          );
      }
    }
  }
  return out;
}

describe("dashboard forms under fuzz", () => {
  it.each(SEEDS.map((s) => s.toString(16)))(
    "seed %s: nothing a client sends answers 5xx; refusals explain themselves and keep the input",
    async (seed) => {
      const rand = prng(Number.parseInt(seed, 16));
      keptChecked = 0;
      const visitor = new TestBrowser();
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      for (let i = 0; i < REQUESTS_PER_SEED; i++) {
        // Forms that end the session (sign-out, sign-out everywhere) may succeed: sign back in, from a
        // new address (the fuzzed sign-ins count against the old one's throttle).
        if (!owner.browser.cookies.has("__Host-drape_session")) {
          owner.browser = new TestBrowser();
          await signInAs(owner.browser, owner.email);
        }
        const signedIn = rand() < 0.6;
        const who = signedIn ? owner.browser : visitor;
        await who.get(signedIn ? "/dashboard/account" : "/dashboard/sign-in");
        const sent = request(rand, i, who.csrf());
        const headers = new Headers({ origin: rand() < 0.93 ? BASE : pick(rand, ["https://evil.example", "null", ""]) });
        if (sent.type !== "" || rand() < 0.5) headers.set("content-type", sent.type);
        const cookie = [...who.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
        if (cookie) headers.set("cookie", cookie);
        headers.set("cf-connecting-ip", who.ip);
        const res = await call(sent.path, { method: "POST", headers, body: sent.body, redirect: "manual" });
        // Keep the browsers' cookies as a browser would (a sign-in rotates, a sign-out clears).
        for (const line of res.headers.getSetCookie()) {
          const [pair = ""] = line.split(";");
          const name = pair.slice(0, pair.indexOf("=")).trim();
          const value = pair.slice(pair.indexOf("=") + 1).trim();
          if (value === "" || /max-age=0/i.test(line)) who.cookies.delete(name);
          else who.cookies.set(name, value);
        }
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        for (const p of await problems(sent, res)) failures.push(`seed ${seed} #${i} POST ${sent.path.slice(0, 80)} (${sent.type || "no type"}): ${p}`);
      }
      expect(failures).toEqual([]);
      // The fuzz reached the pages behind the CSRF check, not only its refusals.
      const reached = [...statuses].filter(([s]) => s !== 403 && s !== 415).reduce((n, [, c]) => n + c, 0);
      expect(reached, JSON.stringify([...statuses])).toBeGreaterThan(REQUESTS_PER_SEED / 4);
      expect(keptChecked, "re-rendered fields checked for what was typed").toBeGreaterThan(10);
      console.log(`seed ${seed}: statuses ${JSON.stringify([...statuses].sort())}, ${keptChecked} kept fields checked`);
    },
    180_000,
  );
});
