// `node scripts/profile-hotpaths.mjs`: where the time of Drape's hot paths goes (docs/performance.md, "Hot paths").
// Serves the deploy bundle with Miniflare as `npm run bench` does, with DRAPE_STEP_TIMING=true (every
// response carries a Server-Timing header with its D1, Durable Object, R2 and queue calls timed), then:
// 1. per-step medians over PROFILE_REQUESTS sequential requests of each hot path (one connection, so
//    the steps are not inflated by queueing behind other requests);
// 2. D1 `meta.duration` (SQLite execution time as reported by D1) against the round trip, for the
//    generation read, a one-column read of the same row and `SELECT 1`: what the query costs versus
//    what the local D1 transport costs;
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { convertV4MiniflareOptions, Miniflare, NoOpLog } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { smallPersonPng } from "./bench/images.mjs";
import { buildBundle } from "./bundle-report.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const N = Number(process.env.PROFILE_REQUESTS ?? 200);
const ADMIN_TOKEN = `profile-admin-${randomBytes(8).toString("hex")}-0123456789`;
const log = (m) => process.stdout.write(`${m}\n`);
const CONSUMER_RUNS = Number(process.env.PROFILE_CONSUMER_RUNS ?? 10);
/** "step timing" lines the Worker logged for its queue batches. */
const consumerLogs = [];

async function start(outdir) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
  const { modulesRules: _r, modules: _m, scriptPath: _p, script: _s, ...rest } = workerOptions;
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      log: new NoOpLog(),
      // The consumer has no response to carry Server-Timing: it logs one "step timing" line per batch.
      handleStructuredLogs: ({ message }) => {
        if (!message.includes('"step timing"')) return;
        try {
          consumerLogs.push(JSON.parse(message));
        } catch {
          // not one of ours
        }
      },
      ...rest,
      name: "drape",
      modules: ["index.js", ...readdirSync(outdir).filter((f) => f.endsWith(".wasm"))].map((f) => ({
        type: f.endsWith(".wasm") ? "CompiledWasm" : "ESModule",
        path: join(outdir, f),
      })),
      modulesRoot: outdir,
      bindings: {
        ...(workerOptions.bindings ?? {}),
        ENVIRONMENT: "development",
        ENGINE_DEFAULT: "mock",
        ADMIN_TOKEN,
        FILE_SIGNING_SECRET: "profile-file-signing-secret-0123456789abcdef",
        AT_REST_KEY: randomBytes(32).toString("base64"),
        ALLOW_LOOPBACK_FETCH: "true",
        DRAPE_STEP_TIMING: "true",
      },
    }),
  );
  const url = await mf.ready;
  const db = await mf.getD1Database("DB");
  for (const file of readdirSync(join(root, "migrations"))
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    for (const stmt of readFileSync(join(root, "migrations", file), "utf8").split("--> statement-breakpoint")) {
      if (stmt.trim()) await db.prepare(stmt).run();
    }
  }
  return { mf, base: url.origin, db };
}

async function seed(base, engine) {
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
  const acct = await (
    await fetch(`${base}/admin/v1/accounts`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ name: `Profile ${engine}`, engine }),
    })
  ).json();
  const key = await (
    await fetch(`${base}/admin/v1/accounts/${acct.id}/keys`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ name: "p", rateLimitPerMinute: 100000, rateLimitBurst: 100000 }),
    })
  ).json();
  await fetch(`${base}/admin/v1/accounts/${acct.id}/credits`, {
    method: "POST",
    headers: admin,
    body: JSON.stringify({ amount: 1_000_000, reason: "profile", reference: "p" }),
  });
  const h = { "x-api-key": key.key };
  const form = new FormData();
  form.set("file", new Blob([smallPersonPng()], { type: "image/png" }), "person.png");
  const image = await (await fetch(`${base}/tryon/v1/images/upload`, { method: "POST", headers: h, body: form })).json();
  const pf = new FormData();
  pf.set("data", JSON.stringify({ externalId: "p-mock", title: engine === "mock" ? "mock" : "Red shirt", images: [{ source: { fileKey: "garment" } }] }));
  pf.set("garment", new Blob([smallPersonPng()], { type: "image/png" }), "garment.png");
  const prod = await fetch(`${base}/tryon/v1/products`, { method: "POST", headers: h, body: pf });
  if (!prod.ok) throw new Error(`product: ${prod.status} ${await prod.text()}`);
  const body = JSON.stringify({ person: { image: { source: { id: image.imageId } } }, products: [{ externalId: "p-mock" }] });
  const accepted = await (await fetch(`${base}/tryon/v1/try-on`, { method: "POST", headers: { ...h, "content-type": "application/json" }, body })).json();
  if (!accepted.generationId) throw new Error(`try-on: ${JSON.stringify(accepted)}`);
  await untilTerminal(base, h, accepted.generationId);
  return { accountId: acct.id, key: key.key, body, generationId: accepted.generationId };
}

async function untilTerminal(base, headers, id) {
  for (let i = 0; i < 300; i++) {
    const g = await (await fetch(`${base}/tryon/v1/generations/${id}`, { headers })).json();
    if (g.status === "COMPLETED" || g.status === "FAILED") return g.status;
    await new Promise((r) => setTimeout(r, 100));
  }
  return "TIMEOUT";
}

/** One generation at a time through the consumer: the median of each step of its queue batch. */
async function consumerSteps(base, engine) {
  const s = await seed(base, engine);
  const h = { "x-api-key": s.key, "content-type": "application/json" };
  const per = {};
  const statuses = [];
  for (let i = 0; i < CONSUMER_RUNS; i++) {
    consumerLogs.length = 0;
    const accepted = await (await fetch(`${base}/tryon/v1/try-on`, { method: "POST", headers: h, body: s.body })).json();
    statuses.push(await untilTerminal(base, h, accepted.generationId));
    await new Promise((r) => setTimeout(r, 200));
    const line = consumerLogs.find((l) => l.queue === "drape-generations" && l.messages === 1);
    if (!line) continue;
    for (const [name, { ms, count }] of Object.entries(parseServerTiming(line.steps))) {
      if (!per[name]) per[name] = { ms: [], count };
      per[name].ms.push(ms);
    }
  }
  log(
    `\n### One generation through the consumer, ${engine} engine (${CONSUMER_RUNS} runs, one at a time, median ms; ${statuses.filter((x) => x === "COMPLETED").length} COMPLETED)`,
  );
  log("| step | calls | p50 ms |\n|---|---:|---:|");
  for (const [name, { ms, count }] of Object.entries(per)) log(`| ${name} | ${name === "total" ? "" : count} | ${median(ms).toFixed(2)} |`);
}

function parseServerTiming(value) {
  const out = {};
  for (const part of (value ?? "").split(",")) {
    const [name, ...params] = part.trim().split(";");
    const dur = params.find((p) => p.startsWith("dur="));
    const desc = params.find((p) => p.startsWith("desc="));
    if (name && dur) out[name] = { ms: Number(dur.slice(4)), count: desc ? Number(desc.slice(6, -1)) : 1 };
  }
  return out;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
};

/** N sequential requests: the median of each Server-Timing step, and of the client-side round trip. */
async function steps(label, url, init) {
  const per = {};
  const client = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const res = await fetch(url, init);
    await res.arrayBuffer();
    client.push(performance.now() - t0);
    if (!res.ok) throw new Error(`${label}: ${res.status}`);
    for (const [name, { ms, count }] of Object.entries(parseServerTiming(res.headers.get("server-timing")))) {
      if (!per[name]) per[name] = { ms: [], count };
      per[name].ms.push(ms);
    }
  }
  const rows = Object.entries(per).map(([name, { ms, count }]) => ({ name, count, p50: median(ms) }));
  const total = rows.find((r) => r.name === "total")?.p50 ?? 0;
  // The storage spans are disjoint in time on these paths (one call after another).
  const io = rows.filter((r) => r.name !== "total" && r.name !== "auth" && r.name !== "sign").reduce((a, r) => a + r.p50, 0);
  log(`\n### ${label} (${N} sequential requests, median ms)`);
  log("| step | calls | p50 ms |\n|---|---:|---:|");
  log(`| client round trip | | ${median(client).toFixed(2)} |`);
  for (const r of rows) log(`| ${r.name} | ${r.name === "total" ? "" : r.count} | ${r.p50.toFixed(2)} |`);
  log(`| rest (routing, zod, JSON, logging, CPU) | | ${Math.max(0, total - io).toFixed(2)} |`);
}

async function d1Meta(db, accountId, generationId) {
  const cases = [
    ["SELECT 1", "SELECT 1", []],
    ["generation row (all columns)", "SELECT * FROM generations WHERE account_id = ? AND id = ?", [accountId, generationId]],
    ["generation status only", "SELECT status FROM generations WHERE account_id = ? AND id = ?", [accountId, generationId]],
  ];
  log(`\n### D1: reported SQL time vs round trip from the script (${N} each, median ms)`);
  log("| statement | meta.duration | round trip | rows_read |\n|---|---:|---:|---:|");
  for (const [label, sql, args] of cases) {
    const meta = [];
    const rt = [];
    let rowsRead = 0;
    for (let i = 0; i < N; i++) {
      const t0 = performance.now();
      const r = await db
        .prepare(sql)
        .bind(...args)
        .all();
      rt.push(performance.now() - t0);
      meta.push(r.meta.duration);
      rowsRead = r.meta.rows_read;
    }
    log(`| ${label} | ${median(meta).toFixed(3)} | ${median(rt).toFixed(2)} | ${rowsRead} |`);
  }
}

async function main() {
  const outdir = mkdtempSync(join(tmpdir(), "drape-profile-"));
  let mf;
  try {
    buildBundle(outdir);
    const started = await start(outdir);
    mf = started.mf;
    const { base, db } = started;
    const s = await seed(base, "mock");
    const h = { "x-api-key": s.key };
    log(`node ${process.version}; ${N} sequential requests per path`);
    await steps("GET /healthz (bare)", `${base}/healthz`, {});
    await steps("GET /tryon/v1/account/credits", `${base}/tryon/v1/account/credits`, { headers: h });
    await steps("GET /tryon/v1/generations/{id} (COMPLETED)", `${base}/tryon/v1/generations/${s.generationId}`, { headers: h });
    await steps("POST /tryon/v1/try-on (accept path; consumer running alongside)", `${base}/tryon/v1/try-on`, {
      method: "POST",
      headers: { ...h, "content-type": "application/json" },
      body: s.body,
    });
    await d1Meta(db, s.accountId, s.generationId);
    await consumerSteps(base, "mock");
    await consumerSteps(base, "composite");
  } finally {
    await mf?.dispose();
    rmSync(outdir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
