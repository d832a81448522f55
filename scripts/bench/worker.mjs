// Serving the built bundle with Miniflare (workerd, local D1/R2/DO/Queues, kept on tmpfs) for the bench,
// cold starts, and the workerd process's memory.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { convertV4MiniflareOptions, Miniflare, NoOpLog } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

const root = fileURLToPath(new URL("../..", import.meta.url));

export const ADMIN_TOKEN = process.env.ADMIN_TOKEN ?? `bench-admin-${Math.random().toString(36).slice(2)}-0123456789`;

/** workerd processes that are children of this Node process (Miniflare spawns one per instance). */
function workerdChildren() {
  const pids = new Set();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid && comm.startsWith("workerd")) pids.add(Number(entry));
    } catch {
      // The process ended while being read.
    }
  }
  return pids;
}

/** Resident memory of a process in bytes (`/proc/PID/status` VmRSS), or 0 when it cannot be read. */
export function rssOf(pid) {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return Number(kb ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; `stop()` resolves to the largest sample. */
export function sampleRss(pid, everyMs = 20) {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, rssOf(pid));
    },
  };
}

/**
 * Miniflare's option serving a worker on a socket of its own (any free port), with no entry worker in
 * front; the worker's address is then `mf.unsafeGetDirectURL(name)`. A fresh object per call, so no
 * two Miniflare instances share one options array.
 */
export const directSocket = () => ({ unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] });

const withoutKey = (obj, key) => Object.fromEntries(Object.entries(obj).filter(([k]) => k !== key));

function drapeOptions(outdir, port, modules = null, { withAssets = false, generationConsumer = true, direct = false, vars = {} } = {}) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
  // Source options are ours (the built bundle), not wrangler's. Static assets are left out: locally
  // Miniflare answers them with two more workers in front of Drape (an asset router and an asset
  // server), which add ~7 ms to EVERY request, API and bare route alike, even with the Worker invoked
  // first (measured: docs/benchmarks.md, "The local layers"). On Cloudflare that routing happens
  // at the edge before the Worker runs. Kept in, it would pad every row by the same constant and make
  // each ratio to the bare route look better than the Worker's own cost. The dashboard row reads the
  // assets' bytes from dist/assets instead (scripts/bench-dashboard.mjs).
  const { modulesRules: _rules, modules: _modules, scriptPath: _script, script: _s, assets, ...bindingsAndConfig } = workerOptions;
  // Miniflare 5 takes a new option shape; wrangler still produces v4 worker options, converted here.
  return convertV4MiniflareOptions({
    host: "127.0.0.1",
    port,
    // The Worker's request logs would drown the results (and cost the same in every row).
    log: new NoOpLog(),
    handleStructuredLogs: () => {},
    ...bindingsAndConfig,
    ...(withAssets ? { assets } : {}),
    // Without the generation consumer, accepted try-ons stay queued: the accept path measured alone.
    ...(generationConsumer ? {} : { queueConsumers: withoutKey(bindingsAndConfig.queueConsumers ?? {}, "drape-generations") }),
    name: "drape",
    // Miniflare's own entry worker sits in front of every request it routes, a local dev hop that
    // Cloudflare does not have; a direct socket serves the Worker without it (startWorker).
    ...(direct ? directSocket() : {}),
    // Every module of the bundle, listed explicitly (the entry first).
    modules: modules ?? [
      ...["index.js", ...readdirSync(outdir).filter((f) => f.endsWith(".wasm"))].map((f) => ({
        type: f.endsWith(".wasm") ? "CompiledWasm" : "ESModule",
        path: join(outdir, f),
      })),
    ],
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
      ...vars,
    },
  });
}

/**
 * Where Miniflare keeps D1, the Durable Objects' SQLite and R2: in memory (tmpfs) when the machine has
 * one. On disk, every SQLite commit of the local D1 and AccountGate is an fsync made on workerd's one
 * thread, which the Worker's requests then wait behind (measured: docs/benchmarks.md, "The local
 * layers"); on Cloudflare that storage runs on other machines. Null: Miniflare's default temp dir.
 */
function storageRoot(onDisk) {
  if (onDisk || !existsSync("/dev/shm")) return null;
  try {
    const dir = mkdtempSync(join("/dev/shm", "drape-bench-"));
    storageDirs.add(dir);
    return dir;
  } catch {
    return null;
  }
}

/** Where the last Miniflare started keeps its storage, for the bench's header. */
let lastStorage = "not started";

/** How the bench serves Drape, for its header: the socket and where local storage lives. */
export function servingDescription() {
  return { socket: "a direct socket (no Miniflare router in front)", storage: lastStorage };
}

// tmpfs is memory: each directory goes on dispose, and any left (a run that ended without disposing) on exit.
const storageDirs = new Set();
const removeStorage = (dir) => {
  rmSync(dir, { recursive: true, force: true });
  storageDirs.delete(dir);
};
process.once("exit", () => {
  for (const dir of storageDirs) removeStorage(dir);
});

/** Starts Miniflare; returns it with its origin and the pid of its workerd process. */
async function start(options, { onDisk = false } = {}) {
  const before = workerdChildren();
  const storage = storageRoot(onDisk);
  lastStorage = storage === null ? "disk (Miniflare's temp dir)" : "tmpfs (/dev/shm)";
  const mf = new Miniflare(storage === null ? options : { ...options, resourcePersistencePath: storage });
  if (storage !== null) {
    const dispose = mf.dispose.bind(mf);
    mf.dispose = async () => {
      await dispose();
      removeStorage(storage);
    };
  }
  const url = await mf.ready;
  const pid = [...workerdChildren()].find((p) => !before.has(p)) ?? null;
  return { mf, base: url.origin, pid };
}

/**
 * The Drape bundle in `outdir`, served with D1 migrated, on a direct socket (no Miniflare router in
 * front). `viaEntry`: through Miniflare's entry worker instead; `withAssets`: behind its static-asset
 * layer as well, as `wrangler dev` serves it; `onDisk`: storage in Miniflare's temp dir on disk, not
 * tmpfs; `generationConsumer: false`: nothing consumes the generation queue;
 * `inspectorPort`: V8's inspector for the Drape worker on that port.
 */
export async function startWorker(
  outdir,
  { withAssets = false, viaEntry = false, onDisk = false, inspectorPort = null, generationConsumer = true, vars = {} } = {},
) {
  const direct = !withAssets && !viaEntry;
  const options = drapeOptions(outdir, 0, null, { withAssets, generationConsumer, direct, vars });
  const started = await start(
    inspectorPort === null
      ? options
      : { ...options, inspectorPort, workers: options.workers.map((w) => ({ ...w, dev: { ...w.dev, unsafeInspectorProxy: true } })) },
    { onDisk },
  );
  const db = await started.mf.getD1Database("DB");
  if (direct) started.base = (await started.mf.unsafeGetDirectURL("drape")).origin;
  const migrationsDir = join(root, "migrations");
  for (const file of readdirSync(migrationsDir)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    for (const stmt of readFileSync(join(migrationsDir, file), "utf8").split("--> statement-breakpoint")) {
      if (stmt.trim()) await db.prepare(stmt).run();
    }
  }
  return { ...started, db };
}

/**
 * A Worker given as source (`script`, an ES module) with the Miniflare options in `extra` (its D1
 * databases, queues, Durable Objects), served the way startWorker serves Drape: on a direct socket,
 * storage on tmpfs. For the binding floor (scripts/bench-floor.mjs).
 */
export async function startScript(script, extra) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
  const options = convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0,
    log: new NoOpLog(),
    name: "floor",
    modules: true,
    script,
    // The runtime Drape itself is served with.
    compatibilityDate: workerOptions.compatibilityDate,
    ...extra,
    ...directSocket(),
  });
  const started = await start(options);
  started.base = (await started.mf.unsafeGetDirectURL("floor")).origin;
  return started;
}

// The baseline of a cold start: a Worker with Drape's bindings (D1, R2, Durable Objects, queues…) and
// nothing else, so the difference is what Drape's own modules cost (compiling them, running their
// global scope), not what the local services cost to start.
// Its Durable Object classes are read from wrangler.toml, so a new class never leaves it behind.
function emptyWorker() {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
  const classes = new Set(Object.values(workerOptions.durableObjects ?? {}).map((d) => (typeof d === "string" ? d : d.className)));
  return [
    "export default { fetch() { return new Response('ok'); }, queue() {}, scheduled() {} };",
    ...[...classes].map((name) => `export class ${name} { constructor() {} fetch() { return new Response('ok'); } }`),
  ].join("\n");
}

/**
 * One cold start: a fresh workerd process loads the Worker (compiles the modules, runs the global
 * scope) and answers its first /healthz. `empty` serves emptyWorker() with the same bindings.
 * Returns the milliseconds to `ready` and to the first response.
 */
export async function coldStart(outdir, { empty = false } = {}) {
  const t0 = performance.now();
  const options = drapeOptions(outdir, 0, empty ? [{ type: "ESModule", path: join(outdir, "empty.mjs"), contents: emptyWorker() }] : null);
  const { mf, base } = await start(options);
  const ready = performance.now();
  const res = await fetch(`${base}/healthz`);
  await res.arrayBuffer();
  const first = performance.now();
  // A second request shows what the first one paid once (lazy work on the first request).
  const again = performance.now();
  await (await fetch(`${base}/healthz`)).arrayBuffer();
  const second = performance.now() - again;
  await mf.dispose();
  if (!res.ok) throw new Error(`cold start: /healthz answered ${res.status}`);
  return { toReady: ready - t0, toFirstResponse: first - t0, firstRequest: first - ready, secondRequest: second };
}
