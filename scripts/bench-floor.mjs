// `npm run bench:floor`: what one binding call costs a request on the bench's own harness, the floor
// under every ratio of `npm run bench` (docs/performance.md, "What one durable write costs here"). A
// trivial Worker, served as the bench serves Drape (workerd on a direct socket, storage on tmpfs), does
// nothing but the named calls; autocannon sends 10 connections for SECONDS a row after 1 s of warm-up,
// with the bare route measured first and last. A row's ratio is to the mean of the two bare rows.
import autocannon from "autocannon";
import { startScript } from "./bench/worker.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);

// One AccountGate-like object (SQLite-backed), a D1 table and a queue, and the calls of an accept.
const SCRIPT = `
import { DurableObject } from "cloudflare:workers";
export class Gate extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS held (id TEXT PRIMARY KEY, body TEXT)");
  }
  async ping() { return 1; }
  async hold(id) { this.ctx.storage.sql.exec("INSERT INTO held VALUES (?, ?)", id, "x".repeat(200)); return 1; }
}
let n = 0;
const nextId = () => \`g\${Date.now()}-\${n++}\`;
export default {
  async fetch(request, env) {
    const gate = env.GATE.get(env.GATE.idFromName("account"));
    switch (new URL(request.url).pathname) {
      case "/bare": return new Response("ok");
      case "/do-call": await gate.ping(); return new Response("ok");
      case "/do-insert": await gate.hold(nextId()); return new Response("ok");
      case "/do-insert-queue": await gate.hold(nextId()); await env.QUEUE.send({ id: n }); return new Response("ok");
      case "/queue-send": await env.QUEUE.send({ id: n++ }); return new Response("ok");
      case "/d1-insert": await env.DB.prepare("INSERT INTO rows VALUES (?, ?)").bind(nextId(), "x".repeat(200)).run(); return new Response("ok");
    }
    return new Response("not found", { status: 404 });
  },
};
`;

const ROWS = [
  ["/bare", "bare route"],
  ["/do-call", "1 Durable Object call (no storage)"],
  ["/do-insert", "1 Durable Object call inserting a row (its SQLite)"],
  ["/queue-send", "1 queue send"],
  ["/do-insert-queue", "1 Durable Object insert + 1 queue send"],
  ["/d1-insert", "1 D1 insert"],
  ["/bare", "bare route (again)"],
];

const load = (url, duration) => new Promise((resolve, reject) => autocannon({ url, connections: 10, duration }, (err, r) => (err ? reject(err) : resolve(r))));

const worker = await startScript(SCRIPT, {
  d1Databases: ["DB"],
  queueProducers: { QUEUE: "floor-queue" },
  durableObjects: { GATE: { className: "Gate", useSQLite: true } },
});
try {
  const db = await worker.mf.getD1Database("DB");
  await db.exec("CREATE TABLE rows (id TEXT PRIMARY KEY, body TEXT)");
  const results = [];
  for (const [i, [path, label]] of ROWS.entries()) {
    process.stderr.write(`row ${i + 1}/${ROWS.length}: ${label}…\n`);
    await load(`${worker.base}${path}`, 1);
    const r = await load(`${worker.base}${path}`, SECONDS);
    if (r.non2xx || r.errors) throw new Error(`${path}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    results.push({ label, rps: r.requests.average, p50: r.latency.p50 });
  }
  const bare = (results[0].rps + results.at(-1).rps) / 2;
  console.log(`| route (a trivial Worker, the bench's harness) | req/s | p50 ms | vs bare |\n|---|---:|---:|---:|`);
  for (const r of results) console.log(`| ${r.label} | ${Math.round(r.rps)} | ${r.p50} | ${Math.round((100 * r.rps) / bare)} % |`);
} finally {
  await worker.mf.dispose();
}
