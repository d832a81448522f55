// `npm run demo`: one try-on end to end against a running `npm start`.
//   1. uploads the bundled sample person photo (scripts/assets/person.jpg),
//   2. registers the bundled garment (scripts/assets/garment.png) as a product,
//   3. starts a try-on (the composite engine, the local default) and polls it,
//   4. downloads the result to demo-output/result.jpg and prints the timings.
// Plain Node ≥ 22, no dependencies, no network beyond the local Worker.
//
// Options: --sync (hold one POST /try-on/sync request instead of polling),
//          --webhook (also start scripts/webhook-receiver.mjs on :8788 and wait for the signed event),
//          --engine NAME (run on that engine: sets the demo account's engine override through the
//          operator API; `--engine workers-ai` needs a Cloudflare account, see below).
// Environment: DRAPE_BASE_URL (default http://127.0.0.1:8787), DRAPE_API_KEY (default: DEMO_API_KEY from .dev.vars),
//              DRAPE_ADMIN_TOKEN (default: ADMIN_TOKEN from .dev.vars; only for --engine).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const DEMO_ACCOUNT_ID = "acc_demo00000000000000000000";
const ENGINES = ["mock", "composite", "fashn", "workers-ai"];
const argv = process.argv.slice(2);
const args = new Set();
let engine = null;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--engine") engine = argv[++i] ?? "";
  else if (a.startsWith("--engine=")) engine = a.slice(9);
  else if (["--sync", "--webhook"].includes(a)) args.add(a);
  else fail(`unknown option ${a} (use --sync, --webhook, --engine NAME)`);
}
if (engine !== null && !ENGINES.includes(engine)) fail(`unknown engine "${engine}" (one of ${ENGINES.join(", ")})`);
if (engine === "workers-ai") requireWorkersAi();
const baseUrl = (process.env.DRAPE_BASE_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
const apiKey = process.env.DRAPE_API_KEY ?? devVar("DEMO_API_KEY");
if (!apiKey) fail("No API key: set DRAPE_API_KEY, or run `npm start` once (it writes DEMO_API_KEY to .dev.vars).");

/**
 * Workers AI has no local simulator: FLUX.2 runs only on Cloudflare, billed to an account.
 * Without credentials the demo says what it needs and stops (exit 2) instead of failing later.
 */
function requireWorkersAi() {
  const missing = ["CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_TOKEN"].filter((k) => !process.env[k]);
  if (missing.length === 0) return;
  console.error(`demo: --engine workers-ai runs FLUX.2 on Cloudflare Workers AI, which has no offline simulator.
It needs (missing: ${missing.join(", ")}):
  1. a Cloudflare account with Workers AI (usage is billed: docs/engines.md, "workers-ai" → Pricing);
  2. credentials: \`npx wrangler login\`, or CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN (a token with Workers AI access);
  3. a dev server whose AI binding is remote: \`npm start -- --remote-ai\` (wrangler dev with remote bindings;
     or set \`remote = true\` under [ai] in wrangler.toml), or a deployment (DRAPE_BASE_URL=https://…);
then: CLOUDFLARE_ACCOUNT_ID=… CLOUDFLARE_API_TOKEN=… npm run demo -- --engine workers-ai`);
  process.exit(2);
}

function fail(message) {
  console.error(`demo: ${message}`);
  process.exit(1);
}

function devVar(name) {
  const path = `${root}.dev.vars`;
  if (!existsSync(path)) return undefined;
  const line = readFileSync(path, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}=`));
  return line?.slice(name.length + 1).trim() || undefined;
}

const ms = (t0) => Math.round(performance.now() - t0);

async function call(method, path, { json, form, headers = {} } = {}) {
  const init = { method, headers: { "x-api-key": apiKey, ...headers } };
  if (method === "POST") init.headers["idempotency-key"] = crypto.randomUUID();
  if (json !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form) {
    init.body = form;
  }
  let res;
  try {
    res = await fetch(`${baseUrl}${path}`, init);
  } catch (err) {
    fail(`cannot reach ${baseUrl} (${err.cause?.code ?? err.message}). Is \`npm start\` running?`);
  }
  const text = await res.text();
  let body;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (!res.ok) fail(`${method} ${path} → ${res.status} ${body?.code ?? ""}: ${body?.message ?? text}`);
  return { res, body };
}

const asset = (name) => readFileSync(fileURLToPath(new URL(`./assets/${name}`, import.meta.url)));
const timings = {};
const tStart = performance.now();

// Optional webhook receiver (the webhooks work ships it; the demo only borrows it).
let receiver;
let webhookEvent;
if (args.has("--webhook")) {
  const modPath = fileURLToPath(new URL("./webhook-receiver.mjs", import.meta.url));
  if (!existsSync(modPath)) fail("--webhook needs scripts/webhook-receiver.mjs");
  const { startWebhookReceiver, fetchSecret } = await import("./webhook-receiver.mjs");
  const secret = await fetchSecret({ baseUrl, apiKey });
  let resolveEvent;
  webhookEvent = new Promise((r) => (resolveEvent = r));
  receiver = await startWebhookReceiver({ port: 8788, secrets: [secret], onEvent: (event) => resolveEvent({ event, at: performance.now() }), log: () => {} });
  console.log(`webhook receiver listening on ${receiver.url}`);
}

// 0. The engine, when asked for: the demo account's engine override (operator API).
if (engine !== null) {
  const adminToken = process.env.DRAPE_ADMIN_TOKEN ?? devVar("ADMIN_TOKEN");
  if (!adminToken) fail("--engine needs the operator token: set DRAPE_ADMIN_TOKEN, or run `npm start` once (it writes ADMIN_TOKEN to .dev.vars).");
  await call("PATCH", `/admin/v1/accounts/${DEMO_ACCOUNT_ID}`, { json: { engine }, headers: { authorization: `Bearer ${adminToken}` } });
  console.log(`demo account engine → ${engine}`);
}

// 1. The person photo: uploaded once, reusable by id (kept 1 day).
let t0 = performance.now();
const upload = new FormData();
upload.set("file", new Blob([asset("person.jpg")], { type: "image/jpeg" }), "person.jpg");
upload.set("keepForDays", "1");
upload.set("externalUserId", "demo-user");
const { body: image } = await call("POST", "/tryon/v1/images/upload", { form: upload });
timings.uploadMs = ms(t0);
console.log(`uploaded person photo → ${image.imageId} (${image.width}×${image.height} ${image.format})`);

// 2. The garment: a registered product with its image sent as a multipart part.
t0 = performance.now();
const product = new FormData();
product.set(
  "data",
  JSON.stringify({
    externalId: "demo-striped-tee",
    title: "Striped tee",
    description: "Navy and mustard stripes, red pocket.",
    images: [{ source: { fileKey: "front" } }],
  }),
);
product.set("front", new Blob([asset("garment.png")], { type: "image/png" }), "garment.png");
await call("POST", "/tryon/v1/products", { form: product });
timings.productMs = ms(t0);
console.log("registered product demo-striped-tee");

// 3. The try-on: async + polling (the default), or one held sync request.
const body = {
  products: [{ externalId: "demo-striped-tee" }],
  person: { image: { source: { id: image.imageId } } },
  externalUserId: "demo-user",
  category: "tops",
  output: { keepForDays: 1 },
  ...(receiver ? { webhookUrl: receiver.url } : {}),
};
t0 = performance.now();
let generation;
if (args.has("--sync")) {
  const { res, body: g } = await call("POST", "/tryon/v1/try-on/sync?wait=60", { json: body });
  generation = g;
  console.log(`POST /try-on/sync → ${res.status} ${g.status}`);
}
if (!generation || (generation.status !== "COMPLETED" && generation.status !== "FAILED")) {
  let id = generation?.generationId;
  if (!id) {
    const { body: accepted } = await call("POST", "/tryon/v1/try-on", { json: body });
    id = accepted.generationId;
    timings.acceptMs = ms(t0);
    console.log(`POST /try-on → 202 ${id} (${timings.acceptMs} ms)`);
  }
  let last = "";
  for (;;) {
    ({ body: generation } = await call("GET", `/tryon/v1/generations/${id}`));
    if (generation.status !== last) console.log(`  ${ms(t0)} ms  ${generation.status}`);
    last = generation.status;
    if (generation.status === "COMPLETED" || generation.status === "FAILED") break;
    if (performance.now() - t0 > 120_000) fail(`generation ${id} still ${generation.status} after 120 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
timings.tryOnMs = ms(t0);
if (generation.status === "FAILED") fail(`generation ${generation.generationId} FAILED: ${generation.errorCode}: ${generation.errorMessage}`);

// 4. The result, through its signed URL.
t0 = performance.now();
const file = await fetch(generation.resultImageUrl);
if (!file.ok) fail(`downloading the result → ${file.status}`);
const bytes = new Uint8Array(await file.arrayBuffer());
timings.downloadMs = ms(t0);
mkdirSync(`${root}demo-output`, { recursive: true });
const outPath = `${root}demo-output/result.jpg`;
writeFileSync(outPath, bytes);

if (webhookEvent) {
  const got = await Promise.race([webhookEvent, new Promise((r) => setTimeout(() => r(null), 15_000))]);
  console.log(got ? `webhook ${got.event.type} received and verified (${Math.round(got.at - tStart)} ms after start)` : "webhook: no event within 15 s");
  await receiver.close();
}

console.log(`\nresult: ${outPath} (${bytes.length} bytes, ${file.headers.get("content-type")}), engine ${generation.engine}`);
console.log(
  `timings: upload ${timings.uploadMs} ms · product ${timings.productMs} ms · try-on ${timings.tryOnMs} ms` +
    ` (server durationMs ${generation.durationMs}) · download ${timings.downloadMs} ms · total ${ms(tStart)} ms`,
);
