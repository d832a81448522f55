// The dashboard part of `npm run bench` (scripts/bench.mjs): for every page of the one route list
// (test/helpers/dashboard-routes.ts, loaded through tsx), its server-render latency (p50, one
// connection, so no queueing is counted) beside the bare route measured the same way in the same
// run, and its weight without images (HTML + the CSS and JS it references), with every origin it
// references. Budgets (docs/dashboard.md): p50 ≤ 30 ms locally (reported, not asserted: timing
// depends on the machine), ≤ 100 KB, zero other origins.
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";

const PAGE_SECONDS = Number(process.env.BENCH_PAGE_SECONDS ?? 2);
const RENDER_BUDGET_MS = 30;
const WEIGHT_BUDGET_BYTES = 100 * 1024;
const PASSWORD = "bench-Violet-anchor-58";

const routesModule = fileURLToPath(new URL("../test/helpers/dashboard-routes.ts", import.meta.url));
const assetsDir = fileURLToPath(new URL("../dist/assets", import.meta.url));

/** The size of the built static asset at `pathname` (scripts/build-assets.mjs writes dist/assets). */
function assetFileBytes(pathname) {
  return statSync(`${assetsDir}${decodeURIComponent(pathname)}`).size;
}

/** A tiny cookie jar over fetch (the dashboard's cookies are `__Host-`; plain http on 127.0.0.1 is fine here). */
function browser(base) {
  const jar = new Map();
  let lastHtml = "";
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  async function go(path, init = {}) {
    const res = await fetch(`${base}${path}`, { ...init, redirect: "manual", headers: { ...(init.headers ?? {}), cookie: cookie() } });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const name = pair.slice(0, pair.indexOf("="));
      const value = pair.slice(pair.indexOf("=") + 1);
      if (value === "" || /max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    const text = await res.text();
    if (res.headers.get("content-type")?.includes("text/html")) lastHtml = text;
    return { res, text };
  }
  return {
    cookie,
    get: (path) => go(path),
    post: (path, fields) => {
      const csrf = /name="_csrf" value="([^"]*)"/.exec(lastHtml)?.[1] ?? "";
      return go(path, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: base },
        body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
      });
    },
  };
}

/** A verified, signed-in user with a key (created on the keys page): the cookie, the key and its id. */
async function signedInUser(base, db) {
  const b = browser(base);
  const email = `bench-${Date.now().toString(36)}@example.com`;
  await b.get("/dashboard/sign-up");
  await b.post("/dashboard/sign-up", { email, password: PASSWORD, accountName: "Bench dashboard" });
  const mail = await db.prepare('SELECT text FROM dev_outbox WHERE "to" = ? ORDER BY created_at DESC LIMIT 1').bind(email).first();
  const link = /https?:\/\/\S+/.exec(mail?.text ?? "")?.[0];
  if (!link) throw new Error("dashboard bench: no verification email in the dev outbox");
  const u = new URL(link);
  await b.get(`${u.pathname}${u.search}`);
  await b.get("/dashboard/sign-in");
  const signedIn = await b.post("/dashboard/sign-in", { email, password: PASSWORD });
  if (signedIn.res.status !== 303) throw new Error(`dashboard bench: sign-in answered ${signedIn.res.status}`);
  await b.get("/dashboard/keys");
  const created = await b.post("/dashboard/keys", { name: "bench" });
  const key = /value="(dr_live_[0-9A-Za-z]{32})"/.exec(created.text)?.[1];
  const keyId = /\/dashboard\/keys\/([^/"]+)\/revoke/.exec(created.text)?.[1];
  if (!key || !keyId) throw new Error(`dashboard bench: key creation answered ${created.res.status}`);
  return { cookie: b.cookie(), key, keyId };
}

/** A webhook endpoint of the key's account, created through the API; its id. */
async function webhookEndpoint(base, key) {
  const res = await fetch(`${base}/tryon/v1/webhooks`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: JSON.stringify({ url: "https://hooks.example.com/bench", events: ["generation.completed", "generation.failed"] }),
  });
  const body = await res.json();
  if (res.status !== 201 || typeof body.id !== "string") throw new Error(`dashboard bench: endpoint creation answered ${res.status}`);
  return body.id;
}

/**
 * Every URL a page loads or posts to (styles, scripts, images, frames, form actions), absolute.
 * Plain links are navigation, not requests (the dev outbox links to PUBLIC_BASE_URL, as emails do).
 */
function references(html, base) {
  const out = [];
  for (const m of html.matchAll(/<(link|script|img|iframe|source|form)\b[^>]*?\s(href|src|action|srcset)="([^"]*)"/g)) {
    out.push({ tag: m[1], attr: m[2], url: new URL(m[3].replaceAll("&amp;", "&"), base) });
  }
  return out;
}

/** HTML + CSS + JS bytes (images excluded) and the other origins it references. */
// Static assets weigh the same on every page that links them: fetched once per run.
const assetBytes = new Map();

async function weigh(base, path, cookie) {
  const res = await fetch(`${base}${path}`, { headers: cookie ? { cookie } : {}, redirect: "manual" });
  const html = await res.text();
  const refs = references(html, base);
  const origin = new URL(base).origin;
  const foreign = [...new Set(refs.filter((r) => r.url.origin !== origin && r.url.protocol !== "data:").map((r) => r.url.origin))];
  let bytes = Buffer.byteLength(html);
  const assets = new Set(refs.filter((r) => (r.tag === "link" || r.tag === "script") && r.url.origin === origin).map((r) => r.url.pathname));
  for (const asset of assets) {
    // The bench serves the Worker without Miniflare's asset layer (scripts/bench/worker.mjs): a linked
    // asset's bytes are the file the asset layer would serve, read from the build's dist/assets.
    if (!assetBytes.has(asset)) assetBytes.set(asset, assetFileBytes(asset));
    bytes += assetBytes.get(asset);
  }
  return { status: res.status, bytes, foreign };
}

/**
 * Runs the dashboard rows. `run` is bench.mjs's autocannon runner; `tryOn(key)` makes a finished
 * generation for the key's account (so tables have rows) and returns its id, or null.
 */
export async function benchDashboard({ base, db, run, log, tryOn, requestsPerPage, onPage = () => {} }) {
  // A fixed number of requests per page when given (the main bench's time budget), else PAGE_SECONDS each.
  const load = requestsPerPage ? { amount: requestsPerPage } : { duration: PAGE_SECONDS };
  const loadText = requestsPerPage ? `${requestsPerPage} requests` : `${PAGE_SECONDS} s`;
  const { dashboardPages } = await tsImport(routesModule, import.meta.url);
  const user = await signedInUser(base, db);
  // The endpoint first, so the try-on's webhook makes a delivery its page lists.
  const endpointId = await webhookEndpoint(base, user.key);
  const generationId = (await tryOn(user.key)) ?? "none";
  // The operator console's account page names an account: the user's own.
  const { accountId } = await (await fetch(`${base}/tryon/v1/account`, { headers: { "x-api-key": user.key } })).json();
  const pages = dashboardPages({ keyId: user.keyId, generationId, externalId: "bench-mock", endpointId, deliveryId: "none", accountId });

  const bare = await run({ url: `${base}/healthz`, connections: 1, ...load });
  const rows = [];
  for (const [i, page] of pages.entries()) {
    onPage(page.path, i + 1, pages.length);
    // The operator console is measured as what a non-operator gets (the not-found page).
    const cookie = page.access === "member" || page.access === "operator" ? user.cookie : "";
    const r = await run({ url: `${base}${page.path}`, connections: 1, ...load, headers: cookie ? { cookie } : {} });
    const w = await weigh(base, page.path, cookie);
    rows.push({ page, r, w });
  }

  log(
    `\nDashboard pages (one connection, ${loadText} each; budgets: p50 ≤ ${RENDER_BUDGET_MS} ms, ≤ ${WEIGHT_BUDGET_BYTES / 1024} KB without images, no other origin)`,
  );
  log("\n| page | status | p50 ms | p99 ms | req/s | vs bare | HTML+CSS+JS | other origins |");
  log("|---|---:|---:|---:|---:|---:|---:|---|");
  log(`| GET /healthz (bare, one connection) | 200 | ${bare.latency.p50} | ${bare.latency.p99} | ${bare.requests.average.toFixed(0)} | 100 % | — | — |`);
  const over = [];
  for (const { page, r, w } of rows) {
    const ratio = `${((r.requests.average / bare.requests.average) * 100).toFixed(0)} %`;
    const kb = `${(w.bytes / 1024).toFixed(1)} KB`;
    log(
      `| ${page.path} | ${w.status} | ${r.latency.p50} | ${r.latency.p99} | ${r.requests.average.toFixed(0)} | ${ratio} | ${kb} | ${w.foreign.join(", ") || "none"} |`,
    );
    if (r.latency.p50 > RENDER_BUDGET_MS) over.push(`${page.path}: p50 ${r.latency.p50} ms`);
    if (w.bytes > WEIGHT_BUDGET_BYTES) over.push(`${page.path}: ${kb}`);
    if (w.foreign.length > 0) over.push(`${page.path}: references ${w.foreign.join(", ")}`);
  }
  log(over.length === 0 ? "\nevery dashboard page within its budgets" : `\nover budget: ${over.join("; ")}`);
  const p50s = rows.map(({ r }) => r.latency.p50).sort((a, b) => a - b);
  const worst = rows.reduce((a, b) => (b.r.latency.p50 > a.r.latency.p50 ? b : a), rows[0]);
  return {
    pages: rows.length,
    bare,
    medianPageP50: p50s[Math.floor(p50s.length / 2)] ?? 0,
    worstPage: worst ? { path: worst.page.path, p50: worst.r.latency.p50 } : null,
    over,
    budgetMs: RENDER_BUDGET_MS,
  };
}
