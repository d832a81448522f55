// `npm run bench`: throughput and latency of Drape's hot paths, each beside a bare route measured in
// the same run, on 127.0.0.1 only, bounded in time (BENCH_SECONDS per endpoint, default 5).
// 1. bundles the Worker exactly as `wrangler deploy` would (`--dry-run --outdir`) and reports its gzip size;
// 2. serves that bundle with Miniflare (workerd, local in-memory D1/R2/DO/Queues; no wrangler dev proxy,
//    whose overhead would dwarf the Worker's own cost), bindings read from wrangler.toml;
// 3. seeds an account + key through the operator API (rate limit raised so the bench measures throughput,
//    not 429s) and grants it credits;
// 4. drives each endpoint with autocannon and prints req/s, p50, p99 and the ratio to the bare route;
// 5. renders every dashboard page (scripts/bench-dashboard.mjs): p50 per page beside the bare route, and
//    each page's weight without images and the origins it references.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import autocannon from "autocannon";
import { convertV4MiniflareOptions, Miniflare, NoOpLog } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { benchDashboard } from "./bench-dashboard.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const wranglerBin = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ADMIN_TOKEN = process.env.ADMIN_TOKEN ?? `bench-admin-${Math.random().toString(36).slice(2)}-0123456789`;

function log(msg) {
  process.stdout.write(`${msg}\n`);
}

function bundle(outdir) {
  const res = spawnSync(process.execPath, [wranglerBin, "deploy", "--dry-run", "--outdir", outdir], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
  if (res.status !== 0) {
    process.stderr.write(res.stdout + res.stderr);
    throw new Error("wrangler deploy --dry-run failed");
  }
  let raw = 0;
  let gz = 0;
  const files = [];
  for (const name of readdirSync(outdir)) {
    const path = join(outdir, name);
    if (!statSync(path).isFile() || name.endsWith(".map")) continue;
    const bytes = readFileSync(path);
    const g = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gz += g;
    files.push({ name, raw: bytes.length, gz: g });
  }
  return { raw, gz, files };
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

async function startWorker(outdir) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
  // Source options are ours (the built bundle), not wrangler's.
  const { modulesRules: _rules, modules: _modules, scriptPath: _script, script: _s, ...bindingsAndConfig } = workerOptions;
  // Miniflare 5 takes a new option shape; wrangler still produces v4 worker options, converted here.
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      // The Worker's request logs would drown the results (and cost the same in every row).
      log: new NoOpLog(),
      handleStructuredLogs: () => {},
      ...bindingsAndConfig,
      name: "drape",
      // Every module of the bundle, listed explicitly (the entry first).
      modules: ["index.js", ...readdirSync(outdir).filter((f) => f.endsWith(".wasm"))].map((f) => ({
        type: f.endsWith(".wasm") ? "CompiledWasm" : "ESModule",
        path: join(outdir, f),
      })),
      modulesRoot: outdir,
      bindings: {
        ...(workerOptions.bindings ?? {}),
        // A local run: the deployment checks (public https base URL, strong secrets) do not apply.
        ENVIRONMENT: "development",
        ENGINE_DEFAULT: "mock",
        ADMIN_TOKEN,
        FILE_SIGNING_SECRET: "bench-file-signing-secret-0123456789abcdef",
        AT_REST_KEY: randomBytes(32).toString("base64"),
        ALLOW_LOOPBACK_FETCH: "true",
      },
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

async function seed(base) {
  const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
  const acct = await json(
    await fetch(`${base}/admin/v1/accounts`, { method: "POST", headers: adminHeaders, body: JSON.stringify({ name: "Bench shop", engine: "mock" }) }),
  );
  if (!acct.id) throw new Error(`account create failed: ${JSON.stringify(acct)}`);
  const key = await json(
    await fetch(`${base}/admin/v1/accounts/${acct.id}/keys`, {
      method: "POST",
      headers: adminHeaders,
      body: JSON.stringify({ name: "bench", rateLimitPerMinute: 100000, rateLimitBurst: 100000 }),
    }),
  );
  if (!key.key) throw new Error(`key create failed: ${JSON.stringify(key)}`);
  const grant = await fetch(`${base}/admin/v1/accounts/${acct.id}/credits`, {
    method: "POST",
    headers: adminHeaders,
    body: JSON.stringify({ amount: 1_000_000, reason: "benchmark", reference: "bench" }),
  });
  if (!grant.ok) throw new Error(`credit grant failed: ${grant.status}`);
  return { accountId: acct.id, key: key.key };
}

function run(opts) {
  return new Promise((resolve, reject) => {
    const inst = autocannon({ connections: CONNECTIONS, duration: SECONDS, ...opts }, (err, res) => (err ? reject(err) : resolve(res)));
    autocannon.track(inst, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

/** A small valid person photo (PNG, 256×320) built in memory, so the bench needs no fixture files. */
function personPng() {
  const w = 256;
  const h = 320;
  const rowLen = w * 3 + 1;
  const rawPix = Buffer.alloc(rowLen * h);
  for (let y = 0; y < h; y++) {
    rawPix[y * rowLen] = 0;
    for (let x = 0; x < w; x++) {
      const o = y * rowLen + 1 + x * 3;
      rawPix[o] = (x * 7) & 255;
      rawPix[o + 1] = (y * 5) & 255;
      rawPix[o + 2] = ((x + y) * 3) & 255;
    }
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 255] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", gzipSync(rawPix).subarray(0)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Prepares a try-on request with the mock engine: an uploaded person image and a referenced product titled "mock". */
async function prepareTryOn(base, key, paths) {
  if (!paths.has("/tryon/v1/try-on")) return { skip: "POST /tryon/v1/try-on is not in this build" };
  const png = personPng();
  const form = new FormData();
  form.set("file", new Blob([png], { type: "image/png" }), "person.png");
  const up = await fetch(`${base}/tryon/v1/images/upload`, { method: "POST", headers: { "x-api-key": key }, body: form });
  const image = await json(up);
  if (!image.imageId) return { skip: `image upload answered ${up.status}: ${JSON.stringify(image).slice(0, 200)}` };
  const productForm = new FormData();
  productForm.set("data", JSON.stringify({ externalId: "bench-mock", title: "mock", images: [{ source: { fileKey: "garment" } }] }));
  productForm.set("garment", new Blob([png], { type: "image/png" }), "garment.png");
  const prod = await fetch(`${base}/tryon/v1/products`, { method: "POST", headers: { "x-api-key": key }, body: productForm });
  if (!prod.ok) return { skip: `product upsert answered ${prod.status}: ${(await prod.text()).slice(0, 200)}` };
  const body = JSON.stringify({ person: { image: { source: { id: image.imageId } } }, products: [{ externalId: "bench-mock" }] });
  const probe = await fetch(`${base}/tryon/v1/try-on`, { method: "POST", headers: { "x-api-key": key, "content-type": "application/json" }, body });
  const accepted = await json(probe);
  if (probe.status !== 202) return { skip: `try-on answered ${probe.status}: ${JSON.stringify(accepted).slice(0, 200)}` };
  return { body, generationId: accepted.generationId };
}

async function timeToCompleted(base, key, body) {
  const started = Date.now();
  const res = await fetch(`${base}/tryon/v1/try-on`, { method: "POST", headers: { "x-api-key": key, "content-type": "application/json" }, body });
  const { generationId } = await json(res);
  if (!generationId) return null;
  while (Date.now() - started < 30_000) {
    const g = await json(await fetch(`${base}/tryon/v1/generations/${generationId}`, { headers: { "x-api-key": key } }));
    if (g.status === "COMPLETED" || g.status === "FAILED") return { status: g.status, ms: Date.now() - started };
    await new Promise((r) => setTimeout(r, 50));
  }
  return { status: "TIMEOUT", ms: Date.now() - started };
}

function row(name, r, bare) {
  const rps = r.requests.average;
  const ratio = bare ? `${((rps / bare) * 100).toFixed(0)} %` : "—";
  const bad = r.non2xx + r.errors + r.timeouts;
  return `| ${name} | ${rps.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${ratio} | ${bad} |`;
}

async function main() {
  const outdir = mkdtempSync(join(tmpdir(), "drape-bench-"));
  let mf;
  try {
    const size = bundle(outdir);
    log(`Worker bundle (wrangler deploy --dry-run): ${kib(size.raw)} raw, ${kib(size.gz)} gzip`);
    for (const f of size.files) log(`  ${f.name}: ${kib(f.raw)} raw, ${kib(f.gz)} gzip`);

    const started = await startWorker(outdir);
    mf = started.mf;
    const base = started.base;
    const { key } = await seed(base);
    const doc = await json(await fetch(`${base}/tryon/v1/openapi.json`));
    const paths = new Set(Object.keys(doc.paths ?? {}).map((p) => p.replace(/\{[^}]+\}/g, "{}")));
    const auth = { "x-api-key": key };

    const results = [];
    log(
      `\nmachine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}; ${CONNECTIONS} connections, ${SECONDS} s per endpoint`,
    );
    const bare = await run({ url: `${base}/healthz` });
    results.push(["GET /healthz (bare, no auth)", bare]);
    results.push(["GET /tryon/v1/account/credits", await run({ url: `${base}/tryon/v1/account/credits`, headers: auth })]);

    const tryOn = await prepareTryOn(base, key, paths);
    if (paths.has("/tryon/v1/generations/{}") && tryOn.generationId) {
      results.push([`GET /tryon/v1/generations/{id}`, await run({ url: `${base}/tryon/v1/generations/${tryOn.generationId}`, headers: auth })]);
    } else {
      log(`note: GET /tryon/v1/generations/{id} skipped (${tryOn.skip ?? "route not in this build"})`);
    }
    // A second bare run shows the noise between runs on a shared machine. It runs before the try-on
    // load, whose queued generations keep the engine busy for a while afterwards.
    results.push(["GET /healthz (bare, again)", await run({ url: `${base}/healthz` })]);
    if (tryOn.body) {
      results.push([
        "POST /tryon/v1/try-on (mock engine)",
        await run({ url: `${base}/tryon/v1/try-on`, method: "POST", headers: { ...auth, "content-type": "application/json" }, body: tryOn.body }),
      ]);
    } else {
      log(`note: POST /tryon/v1/try-on skipped (${tryOn.skip})`);
    }

    log("\n| endpoint | req/s | p50 ms | p99 ms | vs bare | non-2xx/errors |");
    log("|---|---:|---:|---:|---:|---:|");
    for (const [name, r] of results) log(row(name, r, bare.requests.average));

    if (tryOn.body) {
      // Let the queue drain what the load test enqueued before timing one generation end to end.
      await new Promise((r) => setTimeout(r, 3000));
      const e2e = await timeToCompleted(base, key, tryOn.body);
      if (e2e) log(`\nend-to-end (mock engine, POST /try-on → ${e2e.status} seen by polling): ${e2e.ms} ms`);
    }

    const db = await mf.getD1Database("DB");
    await benchDashboard({
      base,
      db,
      run,
      log,
      tryOn: async (userKey) => {
        const prepared = await prepareTryOn(base, userKey, paths);
        if (!prepared.generationId) return null;
        const done = await timeToCompleted(base, userKey, prepared.body);
        return done?.status === "COMPLETED" ? prepared.generationId : null;
      },
    });
  } finally {
    await mf?.dispose();
    rmSync(outdir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
