// `npm run bench:scale`: how far one account goes against many accounts (docs/scaling.md).
// Serves the deploy bundle with Miniflare (workerd, local DO/D1/R2/Queues, as `npm run bench` does), then
// measures accepted try-ons per second and authenticated reads per second for
//   A. one account with KEYS keys (every request of the account meets in its gate objects), and
//   B. KEYS accounts with one key each (KEYS separate AccountGate objects),
// with CONNECTIONS connections spread evenly over the keys, BENCH_SECONDS per row.
// GATE_SHARDS=on|off (default: the Worker's default) chooses the credit path under test.
// All on 127.0.0.1: on a small machine the Worker itself, not the gate object, is the first limit;
// the table says so by putting both layouts side by side.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { convertV4MiniflareOptions, Miniflare, NoOpLog } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { smallPersonPng } from "./bench/images.mjs";
import { buildBundle } from "./bundle-report.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const KEYS = Number(process.env.BENCH_KEYS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 40);
const GATE_SHARDS = process.env.GATE_SHARDS;
const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString("hex")}`;
const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };

const log = (msg) => process.stdout.write(`${msg}\n`);

/**
 * The gate objects measured from inside workerd: a second Worker ("driver") bound to Drape's own
 * AccountGate and KeyGate classes keeps `conc` calls in flight for `ms` and counts the answers, so the
 * numbers are the objects' own (no HTTP, no Worker routing, no D1), as close to a per-object ceiling as
 * this machine shows.
 */
const DRIVER = `
export default {
  async fetch(req, env) {
    const q = new URL(req.url).searchParams;
    const layout = q.get("layout"), op = q.get("op"), ms = Number(q.get("ms")), conc = Number(q.get("conc")), keys = Number(q.get("keys"));
    const run = Math.random().toString(36).slice(2);
    const acct = (i) => (layout === "accounts" ? "bench-" + run + "-" + i : "bench-" + run);
    const rate = (keyId) => ({ keyId, perMinute: 100000, burst: 100000 });
    for (const a of new Set(Array.from({ length: keys }, (_, i) => acct(i)))) {
      await env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(a)).grant({ amount: 100000000, reason: "bench" });
    }
    let ok = 0, refused = 0, seq = 0;
    const end = Date.now() + ms;
    const t0 = Date.now();
    await Promise.all(Array.from({ length: conc }, async (_, w) => {
      const i = w % keys, accountId = acct(i), keyId = "key_" + i, ref = { accountId, keyId };
      const ag = env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(accountId));
      const kg = env.KEY_GATE.get(env.KEY_GATE.idFromName(accountId + "/" + keyId));
      while (Date.now() < end) {
        if (op === "reserve") {
          const input = { accountId, generationId: "gen_" + run + "_" + w + "_" + seq++, keyId, keySpendCap: null, accountSpendCapPerDay: null, rate: rate(keyId) };
          const r = layout === "shards" ? await kg.reserve(ref, input) : await ag.reserve(input);
          if (r.ok) ok++; else refused++;
        } else {
          const r = layout === "shards" ? await kg.countRequest(ref, rate(keyId)) : await ag.countRequest(rate(keyId));
          if (r.allowed) ok++; else refused++;
        }
      }
    }));
    const secs = (Date.now() - t0) / 1000;
    return Response.json({ ok, refused, perSecond: ok / secs });
  },
};
`;

async function startWorker(outdir) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
  const { modulesRules: _rules, modules: _modules, scriptPath: _script, script: _s, ...bindingsAndConfig } = workerOptions;
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      log: new NoOpLog(),
      handleStructuredLogs: () => {},
      workers: [
        {
          ...bindingsAndConfig,
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
            FILE_SIGNING_SECRET: "bench-file-signing-secret-0123456789abcdef",
            AT_REST_KEY: randomBytes(32).toString("base64"),
            ALLOW_LOOPBACK_FETCH: "true",
            ...(GATE_SHARDS ? { GATE_SHARDS } : {}),
          },
        },
        {
          name: "driver",
          modules: true,
          script: DRIVER,
          compatibilityDate: "2026-11-01",
          durableObjects: {
            ACCOUNT_GATE: { className: "AccountGate", scriptName: "drape" },
            KEY_GATE: { className: "KeyGate", scriptName: "drape" },
          },
        },
      ],
    }),
  );
  const url = await mf.ready;
  const db = await mf.getD1Database("DB");
  const migrationsDir = join(root, "migrations");
  for (const file of readdirSync(migrationsDir)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    for (const stmt of readFileSync(join(migrationsDir, file), "utf8").split("--> statement-breakpoint")) {
      if (stmt.trim()) await db.prepare(stmt).run();
    }
  }
  return { mf, base: url.origin };
}

async function json(res) {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return { raw: text };
  }
}

async function post(url, body, headers = adminHeaders) {
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  const out = await json(res);
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${JSON.stringify(out).slice(0, 300)}`);
  return out;
}

/** An account with `keys` keys (rate limits raised: the bench measures throughput, not 429s) and plenty of credits. */
async function seedAccount(base, name, keys) {
  const acct = await post(`${base}/admin/v1/accounts`, { name, engine: "mock" });
  const out = [];
  for (let i = 0; i < keys; i++) {
    const key = await post(`${base}/admin/v1/accounts/${acct.id}/keys`, { name: `k${i}`, rateLimitPerMinute: 100_000, rateLimitBurst: 100_000 });
    out.push(key.key);
  }
  await post(`${base}/admin/v1/accounts/${acct.id}/credits`, { amount: 1_000_000, reason: "scale benchmark", reference: `bench-${name}` });
  return { accountId: acct.id, keys: out };
}

/** The try-on body of an account (its own uploaded photo and product) and one generation to read back. */
async function prepareTryOn(base, key) {
  const image = smallPersonPng();
  const form = new FormData();
  form.set("file", new Blob([image], { type: "image/png" }), "person.png");
  const up = await json(await fetch(`${base}/tryon/v1/images/upload`, { method: "POST", headers: { "x-api-key": key }, body: form }));
  if (!up.imageId) throw new Error(`upload failed: ${JSON.stringify(up).slice(0, 300)}`);
  const productForm = new FormData();
  productForm.set("data", JSON.stringify({ externalId: "bench-mock", title: "mock", images: [{ source: { fileKey: "garment" } }] }));
  productForm.set("garment", new Blob([image], { type: "image/png" }), "garment.png");
  const prod = await fetch(`${base}/tryon/v1/products`, { method: "POST", headers: { "x-api-key": key }, body: productForm });
  if (!prod.ok) throw new Error(`product upsert answered ${prod.status}`);
  const body = JSON.stringify({ person: { image: { source: { id: up.imageId } } }, products: [{ externalId: "bench-mock" }] });
  const accepted = await post(`${base}/tryon/v1/try-on`, JSON.parse(body), { "x-api-key": key, "content-type": "application/json" });
  return { body, generationId: accepted.generationId };
}

/** Runs autocannon with connection i using target i % targets.length (its key, URL and body). */
function run(base, targets, method) {
  let next = 0;
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      {
        url: base,
        connections: CONNECTIONS,
        duration: SECONDS,
        method,
        setupClient(client) {
          const t = targets[next++ % targets.length];
          const headers = { "x-api-key": t.key, ...(t.body ? { "content-type": "application/json" } : {}) };
          client.setRequests([{ method, path: t.path, headers, ...(t.body ? { body: t.body } : {}) }]);
        },
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    autocannon.track(inst, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

async function main() {
  const outdir = mkdtempSync(join(tmpdir(), "drape-bench-scale-"));
  let mf;
  try {
    buildBundle(outdir);
    const started = await startWorker(outdir);
    mf = started.mf;
    const { base } = started;

    const one = await seedAccount(base, "one-account", KEYS);
    const oneTry = await prepareTryOn(base, one.keys[0]);
    const many = [];
    for (let i = 0; i < KEYS; i++) {
      const acct = await seedAccount(base, `account-${i}`, 1);
      many.push({ key: acct.keys[0], ...(await prepareTryOn(base, acct.keys[0])) });
    }
    const layouts = [
      [`1 account × ${KEYS} keys`, one.keys.map((key) => ({ key, body: oneTry.body, generationId: oneTry.generationId }))],
      [`${KEYS} accounts × 1 key`, many],
    ];

    log(
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}; ` +
        `${CONNECTIONS} connections, ${SECONDS} s per row; GATE_SHARDS=${GATE_SHARDS ?? "(default)"}`,
    );
    const rows = [];
    for (const [name, targets] of layouts) {
      const reads = await run(
        base,
        targets.map((t) => ({ key: t.key, path: `/tryon/v1/generations/${t.generationId}` })),
        "GET",
      );
      rows.push([name, "GET /tryon/v1/generations/{id}", reads]);
      const writes = await run(
        base,
        targets.map((t) => ({ key: t.key, path: "/tryon/v1/try-on", body: t.body })),
        "POST",
      );
      rows.push([name, "POST /tryon/v1/try-on (accepted)", writes]);
      // Let the queue drain the generations the try-on row enqueued before the next layout.
      await new Promise((r) => setTimeout(r, 3000));
    }
    const driver = await mf.getWorker("driver");
    const gateRows = [];
    for (const [op, what] of [
      ["count", "rate-limit count (an authenticated read's gate call)"],
      ["reserve", "credit charge with rate count (an accepted try-on's gate call)"],
    ]) {
      for (const [layout, name] of [
        ["account", `1 account × ${KEYS} keys, one AccountGate (GATE_SHARDS=off)`],
        ["shards", `1 account × ${KEYS} keys, ${KEYS} KeyGates (GATE_SHARDS=on)`],
        ["accounts", `${KEYS} accounts × 1 key, ${KEYS} AccountGates`],
      ]) {
        const res = await driver.fetch(`http://driver/?layout=${layout}&op=${op}&ms=${SECONDS * 1000}&conc=${CONNECTIONS}&keys=${KEYS}`);
        gateRows.push([name, what, await res.json()]);
      }
    }

    log("\nGate objects alone (calls from a Worker in the same workerd, no HTTP):");
    log("| layout | call | answered ok/s | refused |");
    log("|---|---|---:|---:|");
    for (const [layout, what, r] of gateRows) log(`| ${layout} | ${what} | ${r.perSecond.toFixed(0)} | ${r.refused} |`);

    log("\nThrough HTTP (the whole Worker, mock engine; the queue consumer runs in the same process):");
    log("| layout | request | ok/s | p50 ms | p99 ms | non-2xx/errors |");
    log("|---|---|---:|---:|---:|---:|");
    for (const [layout, what, r] of rows) {
      const ok = r["2xx"] / (r.duration || SECONDS);
      log(`| ${layout} | ${what} | ${ok.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${r.non2xx + r.errors + r.timeouts} |`);
    }
  } finally {
    await mf?.dispose();
    rmSync(outdir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
