// `npm run bench:local-layers`: what Miniflare's local layers add to a request, the reason `npm run bench`
// serves Drape without them (scripts/bench/worker.mjs). In one run, 10 connections, 3 s a row, each
// measured twice after a second of warm-up:
// - the routers in front of the Worker: a trivial Worker and Drape's GET /healthz on a direct socket,
//   through Miniflare's entry worker, and behind its static-asset layer as well;
// - where local storage lives: Drape's accept path (POST /try-on, no consumer alongside) with D1 and the
//   Durable Objects on tmpfs and on disk, each beside its own bare route.
// Results: docs/benchmarks.md, "The local layers".
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { acceptRequest } from "./bench/flows.mjs";
import { loader } from "./bench/load.mjs";
import { directSocket, startWorker } from "./bench/worker.mjs";
import { buildBundle } from "./bundle-report.mjs";

const SECONDS = 3;
const ROUNDS = 2;
const TRIVIAL = "export default { fetch() { return Response.json({ status: 'ok' }); } };";

const load = loader({ connections: 10, duration: SECONDS });

/** The trivial Worker, through Miniflare's entry worker or on a direct socket. */
async function trivialWorker(direct) {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      modules: true,
      script: TRIVIAL,
      name: "trivial",
      ...(direct ? directSocket() : {}),
    }),
  );
  const entry = await mf.ready;
  return { mf, origin: direct ? (await mf.unsafeGetDirectURL("trivial")).origin : entry.origin };
}

/** A Drape with no consumer and one funded shop whose try-on body is ready to replay. */
async function acceptTarget(outdir, onDisk) {
  const worker = await startWorker(outdir, { onDisk, generationConsumer: false });
  return { worker, bare: { url: `${worker.base}/healthz` }, accept: await acceptRequest(worker.base) };
}

const line = (name, r, extra = "") =>
  console.log(`${name.padEnd(52)} ${String(Math.round(r.requests.average)).padStart(5)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms${extra}`);

const outdir = mkdtempSync(join(tmpdir(), "drape-local-layers-"));
buildBundle(outdir);
const started = [];
try {
  const trivialEntry = await trivialWorker(false);
  const trivialDirect = await trivialWorker(true);
  const direct = await startWorker(outdir);
  const viaEntry = await startWorker(outdir, { viaEntry: true });
  const withAssets = await startWorker(outdir, { withAssets: true });
  started.push(trivialEntry.mf, trivialDirect.mf, direct.mf, viaEntry.mf, withAssets.mf);
  const routers = [
    ["trivial Worker, direct socket", trivialDirect.origin],
    ["trivial Worker, through the entry worker", trivialEntry.origin],
    ["Drape GET /healthz, direct socket", `${direct.base}/healthz`],
    ["Drape GET /healthz, through the entry worker", `${viaEntry.base}/healthz`],
    ["Drape GET /healthz, entry worker + asset layer", `${withAssets.base}/healthz`],
  ];
  console.log("## Routers in front of the Worker");
  for (const [, url] of routers) await load({ url, duration: 1 });
  for (let round = 1; round <= ROUNDS; round++) for (const [name, url] of routers) line(name, await load({ url }));
  for (const mf of started.splice(0)) await mf.dispose();

  console.log("## Where local storage lives (POST /try-on, accept path alone, direct socket)");
  for (let round = 1; round <= ROUNDS; round++) {
    for (const onDisk of [false, true]) {
      const target = await acceptTarget(outdir, onDisk);
      started.push(target.worker.mf);
      await load({ ...target.accept, duration: 1 });
      const bare = await load(target.bare);
      const accept = await load(target.accept);
      const where = onDisk ? "on disk" : "on tmpfs";
      line(`bare route, storage ${where}`, bare);
      line(`accept, storage ${where}`, accept, `  (${Math.round((100 * accept.requests.average) / bare.requests.average)} % of bare)`);
      await started.pop().dispose();
    }
  }
} finally {
  for (const mf of started) await mf.dispose();
  rmSync(outdir, { recursive: true, force: true });
}
