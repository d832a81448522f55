// `npm run bench:thread [-- <row>…] [--via-entry] [--on-disk] [--outbox]`: where workerd's one thread spends a
// request under the bench's load (docs/performance.md, "Thread profile"). The inspector profile
// (`npm run bench:cpu`) sees only the Drape isolate's JavaScript; locally the same thread also runs the
// HTTP server, the RPC to the Durable Objects, Miniflare's D1 and queue workers, SQLite and every
// isolate's garbage collection, and the bench's ratios are ratios of that thread's time. This samples
// the whole thread with Linux `perf` (call graphs; V8's `--perf-basic-prof` names the JavaScript
// frames) over 3 s of autocannon load per row (10 connections, after 1 s of warm-up), and prints the
// thread's CPU per request by part, Drape's JavaScript by source file (an unminified bundle), and the
// longest garbage-collection pauses. Rows: bare, credits, generation, accept (the accept path on a
// second workerd without the generation consumer, as in the bench). `--via-entry` serves through
// Miniflare's entry worker, `--on-disk` keeps local storage on disk (scripts/bench/worker.mjs), `--outbox`
// serves the accept row with GENERATION_DELIVERY=outbox (its deliveries, made on the same thread, included).
// Needs `perf` (Debian: linux-perf) and permission to attach to a child process. Local, like every figure here.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileIndex } from "./bench/bundle-lines.mjs";
import { acceptRequest, readTargets } from "./bench/flows.mjs";
import { loader } from "./bench/load.mjs";
import { gcPauses, mainThreadSamples, partOf } from "./bench/perf-samples.mjs";
import { startWorker } from "./bench/worker.mjs";
import { buildBundle } from "./bundle-report.mjs";

const SECONDS = 3;
const HZ = 4999;
const TOP_FILES = 12;
const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith("--")));
const ROWS = ["bare", "credits", "generation", "accept"];
const wanted = args.filter((a) => !a.startsWith("--"));
const rows = wanted.length ? ROWS.filter((r) => wanted.includes(r)) : ROWS;

if (spawnSync("perf", ["--version"]).status !== 0) {
  console.error("bench:thread needs Linux `perf` on the PATH (Debian: apt-get install linux-perf).");
  process.exit(1);
}
// workerd reads V8 flags from Miniflare's environment; this one writes /tmp/perf-<pid>.map, which perf reads.
process.env.MINIFLARE_WORKERD_V8_FLAGS = [process.env.MINIFLARE_WORKERD_V8_FLAGS, "--perf-basic-prof"].filter(Boolean).join(" ");

const load = loader({ connections: 10, duration: SECONDS });

/** Runs `opts` for SECONDS under `perf record` attached to `pid`; returns the requests served and the samples file. */
async function recorded(pid, opts, file) {
  await load({ ...opts, duration: 1 });
  const perf = spawn("perf", ["record", "-F", String(HZ), "-g", "-p", String(pid), "-o", file], { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 300)); // perf attaches before the load starts
  const result = await load(opts);
  perf.kill("SIGINT");
  await new Promise((r) => perf.once("exit", r));
  return result;
}

/** The event loop's samples in a `perf record` file. */
function samplesOf(file) {
  return mainThreadSamples(spawnSync("perf", ["script", "-i", file, "-F", "tid,time,ip,sym"], { encoding: "utf8", maxBuffer: 1 << 30 }).stdout);
}

function report(label, result, samples, fileOf) {
  const n = result.requests.total;
  const us = (count) => ((count / HZ) * 1e6) / n;
  const parts = new Map();
  const files = new Map();
  for (const s of samples) {
    const [part, file] = partOf(s.frames, fileOf);
    parts.set(part, (parts.get(part) ?? 0) + 1);
    if (file) files.set(file, (files.get(file) ?? 0) + 1);
  }
  const pauses = gcPauses(samples, HZ);
  console.log(
    `\n### ${label}: ${n} requests in ${SECONDS} s (${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms); workerd's thread ${us(samples.length).toFixed(0)} µs per request`,
  );
  console.log("| part | µs per request | share |\n|---|---:|---:|");
  for (const [part, count] of [...parts].sort((a, b) => b[1] - a[1])) {
    console.log(`| ${part} | ${us(count).toFixed(1)} | ${((100 * count) / samples.length).toFixed(1)} % |`);
  }
  console.log("\n| Drape's JavaScript by source file | µs per request |\n|---|---:|");
  for (const [file, count] of [...files].sort((a, b) => b[1] - a[1]).slice(0, TOP_FILES)) console.log(`| ${file} | ${us(count).toFixed(1)} |`);
  console.log(
    `\nGC pauses (consecutive GC samples): longest ${pauses
      .slice(0, 5)
      .map((p) => p.toFixed(1))
      .join(", ")} ms; ${pauses.filter((p) => p > 5).length} over 5 ms`,
  );
}

async function main() {
  const outdir = mkdtempSync(join(tmpdir(), "drape-thread-"));
  const started = [];
  const serving = { viaEntry: flags.has("--via-entry"), onDisk: flags.has("--on-disk") };
  try {
    buildBundle(outdir, ["--no-minify"]);
    const fileOf = fileIndex(readFileSync(join(outdir, "index.js"), "utf8"));
    console.log(`Served ${serving.viaEntry ? "through Miniflare's entry worker" : "on a direct socket"}, storage ${serving.onDisk ? "on disk" : "on tmpfs"}.`);
    const reads = rows.filter((r) => r !== "accept");
    if (reads.length) {
      const worker = await startWorker(outdir, serving);
      started.push(worker);
      const targets = await readTargets(worker);
      for (const row of reads) {
        const file = join(outdir, `${row}.perf`);
        const result = await recorded(worker.pid, targets[row][1], file);
        report(targets[row][0], result, samplesOf(file), fileOf);
      }
    }
    if (rows.includes("accept")) {
      const delivery = flags.has("--outbox") ? { vars: { GENERATION_DELIVERY: "outbox" } } : {};
      const worker = await startWorker(outdir, { ...serving, ...delivery, generationConsumer: false });
      started.push(worker);
      const file = join(outdir, "accept.perf");
      const result = await recorded(worker.pid, await acceptRequest(worker.base), file);
      report("POST /try-on, the accept path alone", result, samplesOf(file), fileOf);
    }
  } finally {
    for (const w of started) {
      await w.mf.dispose();
      const map = `/tmp/perf-${w.pid}.map`;
      if (existsSync(map)) rmSync(map);
    }
    rmSync(outdir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
