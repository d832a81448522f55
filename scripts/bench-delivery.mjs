// `npm run bench:delivery`: the accept row under each GENERATION_DELIVERY (docs/performance.md, "The
// outbox"). One Drape per mode, served as `npm run bench` serves its accept row (the deploy bundle, a
// direct socket, storage on tmpfs, no generation consumer alongside), each with one funded shop whose
// try-on (referenced product, uploaded person photo) is replayed by autocannon: 10 connections,
// BENCH_SECONDS a row (default 4) after 1 s of warm-up, the mode's own bare route then its accept row,
// ROUNDS times (default 3). Ends by checking that each mode's D1 holds every try-on it accepted.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acceptRequest } from "./bench/flows.mjs";
import { loader } from "./bench/load.mjs";
import { startWorker } from "./bench/worker.mjs";
import { buildBundle } from "./bundle-report.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const MODES = ["request", "outbox"];
const load = loader({ connections: 10, duration: SECONDS });

async function held(worker, accept) {
  const res = await fetch(`${worker.base}/tryon/v1/account/credits`, { headers: { "x-api-key": accept.headers["x-api-key"] } });
  return (await res.json()).reserved;
}

async function countGenerations(worker) {
  return (await worker.db.prepare("SELECT COUNT(*) AS n FROM generations").first()).n;
}

const outdir = mkdtempSync(join(tmpdir(), "drape-delivery-"));
buildBundle(outdir);
const targets = [];
try {
  for (const mode of MODES) {
    const worker = await startWorker(outdir, { generationConsumer: false, vars: { GENERATION_DELIVERY: mode } });
    const accept = await acceptRequest(worker.base);
    // Its probe try-on may still be in the outbox's gathering window: counted once it has landed.
    await new Promise((r) => setTimeout(r, 500));
    targets.push({ mode, worker, accept, before: await countGenerations(worker), heldBefore: await held(worker, accept), accepted: 0 });
  }
  console.log("| round | GENERATION_DELIVERY | bare req/s | accept req/s | accept vs bare | accept p50 / p99 ms |\n|---:|---|---:|---:|---:|---|");
  for (let round = 1; round <= ROUNDS; round++) {
    for (const t of targets) {
      process.stderr.write(`round ${round}/${ROUNDS}: ${t.mode}…\n`);
      await load({ url: `${t.worker.base}/healthz`, duration: 1 });
      const bare = await load({ url: `${t.worker.base}/healthz` });
      await load({ ...t.accept, duration: 1 });
      const accept = await load(t.accept);
      if (accept.non2xx || accept.errors) throw new Error(`${t.mode}: ${accept.non2xx} non-2xx, ${accept.errors} errors`);
      const ratio = Math.round((100 * accept.requests.average) / bare.requests.average);
      console.log(
        `| ${round} | ${t.mode} | ${Math.round(bare.requests.average)} | ${Math.round(accept.requests.average)} | ${ratio} % | ${accept.latency.p50} / ${accept.latency.p99} |`,
      );
    }
  }
  // The outbox delivers within its gathering window; give the last batch time to land before counting.
  await new Promise((r) => setTimeout(r, 2000));
  for (const t of targets) {
    // With no consumer, every accepted try-on still holds its credit: the ledger counts them exactly.
    const accepted = (await held(t.worker, t.accept)) - t.heldBefore;
    const delivered = (await countGenerations(t.worker)) - t.before;
    console.log(`${t.mode}: ${accepted} try-ons accepted (credits held), ${delivered} generations delivered to D1`);
    if (delivered !== accepted) process.exitCode = 1;
  }
} finally {
  for (const t of targets) await t.worker.mf.dispose();
  rmSync(outdir, { recursive: true, force: true });
}
