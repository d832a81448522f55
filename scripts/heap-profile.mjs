// `npm run bench:heap [-- <row>…]`: how many bytes Drape's isolate allocates per request on the hot paths
// (docs/performance.md, item 14), and which functions allocate them. Garbage collection is the
// largest part of what a read costs the thread beyond the bare route, and the source of its p99
// pauses; unlike thread time, allocation hardly moves with the machine's load, so it shows a change
// that timing on a shared machine cannot. V8's sampling heap profiler, through workerd's inspector,
// records one sample per 128 bytes allocated (objects that died young included) while autocannon
// sends REQUESTS requests per row (10 connections, after 3,000 unsampled ones of warm-up). Rows: bare,
// credits, generation (finished). Not the accept path: its profile's tree is larger than the messages
// Miniflare's inspector proxy passes on.
import { readTargets } from "./bench/flows.mjs";
import { withProfiledWorker } from "./bench/inspector.mjs";
import { loader } from "./bench/load.mjs";

const REQUESTS = Number(process.env.HEAP_REQUESTS ?? 5000);
const WARM_UP = 3000;
const TOP = 20;
const ROWS = ["bare", "credits", "generation"];
const wanted = process.argv.slice(2);
const rows = wanted.length ? ROWS.filter((r) => wanted.includes(r)) : ROWS;
const load = loader({ connections: 10 });

/** Bytes per request by function (self), from a sampling heap profile's tree. */
function byFunction(head, fileOf) {
  const bytes = new Map();
  let total = 0;
  const walk = (node) => {
    const f = node.callFrame;
    const where = f.url.endsWith("index.js") ? fileOf(f.lineNumber) : f.url || "(native)";
    const key = `${f.functionName || "(anonymous)"} ${where}`;
    bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(head);
  return { rows: [...bytes].sort((a, b) => b[1] - a[1]), total };
}

async function profileRow(cdp, label, target, fileOf) {
  await load({ ...target, amount: WARM_UP });
  await cdp.send("HeapProfiler.startSampling", { samplingInterval: 128, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const result = await load({ ...target, amount: REQUESTS });
  const { profile } = await cdp.send("HeapProfiler.stopSampling");
  const { rows: fns, total } = byFunction(profile.head, fileOf);
  const non2xx = result.non2xx ? ` (${result.non2xx} not 2xx)` : "";
  console.log(`\n### ${label}: ${Math.round(total / REQUESTS)} bytes allocated per request${non2xx}`);
  console.log("| function (self) | bytes per request |\n|---|---:|");
  for (const [k, v] of fns.slice(0, TOP)) console.log(`| ${k} | ${Math.round(v / REQUESTS)} |`);
}

withProfiledWorker({}, async ({ worker, cdp, fileOf }) => {
  const targets = await readTargets(worker);
  for (const row of rows) await profileRow(cdp, ...targets[row], fileOf);
}).catch((err) => {
  console.error(err);
  process.exit(1);
});
