// `npm start`: Drape on this machine with local state, no Cloudflare account, no network.
// 1. creates .dev.vars with fresh random secrets if absent (fills in any missing one, keeps the others)
//    and points PUBLIC_BASE_URL at the port served on;
// 2. applies the D1 migrations to local state;
// 3. seeds (idempotently) a demo account and its API key;
// 4. serves the Worker with `wrangler dev` (port 8787, or `npm start -- --port N`; local state in
//    .wrangler/state, or `--persist-to DIR`, which the end-to-end tests use for a fresh state);
// 5. grants the demo account its starting credits once, and prints the key and a curl line.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { ensureDevVars } from "./dev-vars.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const wranglerBin = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));
const DEMO_ACCOUNT_ID = "acc_demo00000000000000000000";
const DEMO_KEY_ID = "key_demo00000000000000000000";

function parseArgs(argv) {
  let port = 8787;
  let persistTo = null;
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--port" && argv[i + 1]) port = Number(argv[++i]);
    else if (a.startsWith("--port=")) port = Number(a.slice(7));
    else if (a === "--persist-to" && argv[i + 1]) persistTo = argv[++i];
    else if (a.startsWith("--persist-to=")) persistTo = a.slice(13);
    else rest.push(a);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid --port ${port}`);
  return { port, persistTo, rest };
}

function wrangler(args, opts = {}) {
  const res = spawnSync(process.execPath, [wranglerBin, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
    ...opts,
  });
  if (res.status !== 0) {
    process.stderr.write(res.stdout ?? "");
    process.stderr.write(res.stderr ?? "");
    throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed (exit ${res.status})`);
  }
  return res.stdout;
}

function seedDemo(demoKey) {
  const now = Date.now();
  const hash = createHash("sha256").update(demoKey).digest("hex");
  const prefix = `${demoKey.slice(0, 12)}…`;
  const sql = [
    `INSERT OR IGNORE INTO accounts (id, name, status, retention_days, created_at, updated_at) VALUES ('${DEMO_ACCOUNT_ID}', 'Demo shop', 'active', 7, ${now}, ${now});`,
    // The demo key follows .dev.vars: a changed DEMO_API_KEY replaces the stored hash.
    `INSERT INTO api_keys (id, account_id, name, key_hash, display_prefix, created_at) VALUES ('${DEMO_KEY_ID}', '${DEMO_ACCOUNT_ID}', 'demo', '${hash}', '${prefix}', ${now}) ON CONFLICT(id) DO UPDATE SET key_hash = excluded.key_hash, display_prefix = excluded.display_prefix, revoked_at = NULL;`,
  ].join(" ");
  wrangler(["d1", "execute", "DB", "--local", ...persistArgs, "--command", sql]);
}

async function waitForHealth(base, child) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error("wrangler dev exited early");
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error("wrangler dev did not become healthy within 90 s");
}

async function grantDemoCredits(base, adminToken) {
  const res = await fetch(`${base}/admin/v1/accounts/${DEMO_ACCOUNT_ID}/credits`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ amount: 100, reason: "demo starting credits", reference: "demo-seed" }),
  });
  if (res.status === 404 || res.status === 405) return "credits API not available";
  if (!res.ok) return `credit grant answered ${res.status}`;
  const body = await res.json().catch(() => ({}));
  return typeof body.creditBalance === "number" ? `balance ${body.creditBalance}` : "granted";
}

const { port, persistTo, rest } = parseArgs(process.argv.slice(2));
// Every wrangler command that touches local state uses the same directory.
const persistArgs = persistTo ? ["--persist-to", persistTo] : [];
const { vars, changed } = ensureDevVars(`${root}.dev.vars`, port);
if (changed.length) console.log(`[start] .dev.vars: ${changed.join(", ")}`);
console.log("[start] applying D1 migrations to local state…");
wrangler(["d1", "migrations", "apply", "DB", "--local", ...persistArgs]);
seedDemo(vars.get("DEMO_API_KEY"));
console.log("[start] demo account seeded");

// The base URL is also passed on the command line (it wins over .dev.vars), so a second
// `npm start` on another port rewriting .dev.vars never changes this server's URLs.
// `--local` keeps every binding local, offline and without a Cloudflare login: the AI binding
// (Workers AI has no local simulator) then answers "needs to be run remotely", which the
// workers-ai engine turns into ENGINE_UNAVAILABLE at once. `npm start -- --remote-ai` leaves it
// out: D1, R2, queues stay local while wrangler proxies the AI binding to the logged-in account.
const remoteAi = rest.includes("--remote-ai");
const passThrough = rest.filter((a) => a !== "--remote-ai");
const localArgs = remoteAi || passThrough.includes("--remote") ? [] : ["--local"];
if (remoteAi) console.log("[start] --remote-ai: the AI binding runs on your Cloudflare account (needs `wrangler login` or CLOUDFLARE_API_TOKEN; billed)");
const devArgs = [
  "dev",
  "--port",
  String(port),
  "--ip",
  "127.0.0.1",
  "--var",
  `PUBLIC_BASE_URL:${vars.get("PUBLIC_BASE_URL")}`,
  ...localArgs,
  ...persistArgs,
  ...passThrough,
];
const child = spawn(process.execPath, [wranglerBin, ...devArgs], {
  cwd: root,
  stdio: ["inherit", "inherit", "inherit"],
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code) => process.exit(code ?? 0));

const base = `http://127.0.0.1:${port}`;
try {
  await waitForHealth(base, child);
  const credits = await grantDemoCredits(base, vars.get("ADMIN_TOKEN"));
  const key = vars.get("DEMO_API_KEY");
  console.log(`
──────────────────────────────────────────────────────────────
 Drape is running at ${base}
 Demo account: ${DEMO_ACCOUNT_ID} (${credits})
 Demo API key: ${key}
 Docs:         ${base}/tryon/v1/docs
 Dashboard:    ${base}/dashboard (sign up; emails land in ${base}/dashboard/dev/outbox)
 Try:
   curl -s ${base}/tryon/v1/account -H "x-api-key: ${key}"
──────────────────────────────────────────────────────────────
`);
} catch (err) {
  console.error(`[start] ${err.message}`);
  child.kill("SIGTERM");
  process.exitCode = 1;
}
