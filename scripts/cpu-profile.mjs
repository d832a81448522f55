// `npm run bench:cpu [-- <part of a path label>]`: a V8 CPU profile of Drape's hot paths, taken through workerd's
// inspector (docs/performance.md, "CPU profile"). Serves an UNminified deploy bundle as `npm run bench`
// does, seeds one account (mock engine), then for each path samples the Drape isolate's CPU over
// PROFILE_REQUESTS sequential requests and prints where the samples fall: by source file (esbuild's
// `// path` markers in the bundle) and by function. Work of the queue consumer triggered by the try-ons
// runs in the same isolate and is counted too (its files say so); PROFILE_ACCEPT_ONLY=1 serves the Worker
// without the consumer, for the accept path alone. Local, like every figure here.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { prepareTryOn, seed } from "./bench/flows.mjs";
import { smallPersonPng } from "./bench/images.mjs";
import { withProfiledWorker } from "./bench/inspector.mjs";

const N = Number(process.env.PROFILE_REQUESTS ?? 150);
const TOP = 18;

/** Self time per sample node, grouped by `keyOf(callFrame)`; returns [key, ms] sorted, and the total. */
function selfTimes(profile, keyOf) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const ms = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id);
    const key = keyOf(node.callFrame);
    if (key === "(idle)") return;
    total += dt;
    ms.set(key, (ms.get(key) ?? 0) + dt);
  });
  return { rows: [...ms].sort((a, b) => b[1] - a[1]), total };
}

async function profilePath(cdp, label, fire, fileOf) {
  // Warm-up, not sampled: the JIT's first sight of a path is not what steady traffic costs.
  for (let i = 0; i < N / 4; i++) await fire();
  await cdp.send("Profiler.start");
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await fire();
  const wall = performance.now() - t0;
  const { profile } = await cdp.send("Profiler.stop");
  // PROFILE_DIR: also write each profile as a .cpuprofile (Chrome DevTools / speedscope open it).
  if (process.env.PROFILE_DIR)
    writeFileSync(join(process.env.PROFILE_DIR, `${label.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "")}.cpuprofile`), JSON.stringify(profile));
  const frameKey = (fn) => (f) => (f.functionName === "(idle)" || f.functionName === "(program)" ? f.functionName : fn(f));
  const byFile = selfTimes(
    profile,
    frameKey((f) => (f.url.endsWith("index.js") ? fileOf(f.lineNumber) : f.url || `(${f.functionName || "native"})`)),
  );
  const byFn = selfTimes(
    profile,
    frameKey((f) => `${f.functionName || "(anonymous)"} ${f.url.endsWith("index.js") ? fileOf(f.lineNumber) : f.url}`),
  );
  console.log(
    `\n### ${label}: ${N} sequential requests, ${(wall / N).toFixed(1)} ms each from the client; isolate CPU ${(byFile.total / N).toFixed(2)} ms per request`,
  );
  console.log("| source (self time) | ms per request | share |\n|---|---:|---:|");
  for (const [k, v] of byFile.rows.slice(0, TOP)) console.log(`| ${k} | ${(v / N).toFixed(3)} | ${((100 * v) / byFile.total).toFixed(1)} % |`);
  console.log("\n| function (self time) | ms per request |\n|---|---:|");
  for (const [k, v] of byFn.rows.slice(0, TOP)) console.log(`| ${k} | ${(v / N).toFixed(3)} |`);
}

// PROFILE_ACCEPT_ONLY=1: no generation consumer, so the try-on path is the accept path alone (the
// generation read then polls a PENDING generation, which reads D1).
const acceptOnly = process.env.PROFILE_ACCEPT_ONLY === "1";

withProfiledWorker({ generationConsumer: !acceptOnly }, async ({ worker, cdp, fileOf }) => {
  const { base } = worker;
  const { key } = await seed(base, "mock");
  const tryOn = await prepareTryOn(base, key, { person: smallPersonPng(), garment: smallPersonPng() });
  if (tryOn.skip) throw new Error(tryOn.skip);
  const h = { "x-api-key": key };
  const body = JSON.stringify(tryOn.body);
  // The read path's generation: the probe try-on, finished.
  for (let i = 0; i < (acceptOnly ? 0 : 100); i++) {
    const g = await (await fetch(`${base}/tryon/v1/generations/${tryOn.generationId}`, { headers: h })).json();
    if (g.status === "COMPLETED" || g.status === "FAILED") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
  const get = (path) => async () => void (await (await fetch(`${base}${path}`, { headers: h })).arrayBuffer());
  const only = process.argv[2];
  const paths = [
    ["GET /healthz", get("/healthz")],
    ["GET /tryon/v1/account/credits", get("/tryon/v1/account/credits")],
    ["GET /tryon/v1/generations/{id}", get(`/tryon/v1/generations/${tryOn.generationId}`)],
    [
      acceptOnly ? "POST /tryon/v1/try-on (the accept path alone)" : "POST /tryon/v1/try-on (and the consumer's runs it triggers)",
      async () =>
        void (await (await fetch(`${base}/tryon/v1/try-on`, { method: "POST", headers: { ...h, "content-type": "application/json" }, body })).arrayBuffer()),
    ],
  ];
  for (const [label, fire] of paths) if (!only || label.includes(only)) await profilePath(cdp, label, fire, fileOf);
}).catch((err) => {
  console.error(err);
  process.exit(1);
});
