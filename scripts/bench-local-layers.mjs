// `npm run bench:local-layers`: what Miniflare's local static-asset layer adds to every request, the
// reason `npm run bench` serves Drape without it (scripts/bench/worker.mjs). GET /healthz on the same
// bundle served with and without the asset layer, beside a trivial Worker, in one run (10 connections,
// 3 s a row, each measured twice). Results: docs/benchmarks.md, "The local asset layer".
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { startWorker } from "./bench/worker.mjs";
import { buildBundle } from "./bundle-report.mjs";

const SECONDS = 3;
const outdir = mkdtempSync(join(tmpdir(), "drape-asset-layer-"));
buildBundle(outdir);
const trivial = new Miniflare(
  convertV4MiniflareOptions({ host: "127.0.0.1", port: 0, modules: true, script: "export default { fetch() { return Response.json({ status: 'ok' }); } };" }),
);
const without = await startWorker(outdir);
const withAssets = await startWorker(outdir, { withAssets: true });
const targets = [
  ["trivial Worker", (await trivial.ready).origin],
  ["Drape GET /healthz, no asset layer", `${without.base}/healthz`],
  ["Drape GET /healthz, with the asset layer", `${withAssets.base}/healthz`],
];
const load = (url, duration = SECONDS) =>
  new Promise((resolve, reject) => autocannon({ url, connections: 10, duration }, (err, r) => (err ? reject(err) : resolve(r))));
try {
  for (const [, url] of targets) await load(url, 1); // warm-up
  for (let round = 1; round <= 2; round++) {
    for (const [name, url] of targets) {
      const r = await load(url);
      console.log(`${name.padEnd(44)} ${String(Math.round(r.requests.average)).padStart(5)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms`);
    }
  }
} finally {
  await Promise.all([trivial.dispose(), without.mf.dispose(), withAssets.mf.dispose()]);
  rmSync(outdir, { recursive: true, force: true });
}
