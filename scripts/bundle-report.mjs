// `npm run bundle:report`: what the deploy upload weighs and what is in it.
// Bundles the Worker exactly as `wrangler deploy` does (`--dry-run --outdir --metafile`, wrangler.toml's
// minify and aliases included), then prints every uploaded module's gzip size (JS, WASM, other), the total,
// and the biggest contributors to index.js by package (from esbuild's metafile).
//   --check        exit 1 when the total gzip size is above BUNDLE_BUDGET_GZIP_BYTES (a step of .ci/run)
//   --json FILE    also write the report as JSON
//   --top N        contributors to list (default 20)
// The budget is this file's constant; the bench imports it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/**
 * The deploy upload's budget: the sum of its modules' gzip sizes (level 9), in bytes. 400 kB as the
 * performance budget states it (390.6 KiB); CI fails above it (`--check`).
 */
export const BUNDLE_BUDGET_GZIP_BYTES = 400_000;

const root = fileURLToPath(new URL("..", import.meta.url));
const wranglerBin = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));
const METAFILE = "bundle-meta.json";
// Files wrangler writes beside the modules that are not uploaded.
const NOT_UPLOADED = new Set([METAFILE, "README.md"]);

export const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

/** Runs `wrangler deploy --dry-run` into `outdir` (plus `extraArgs`, e.g. `--no-minify`); returns wrangler's own "Total Upload" line. */
export function buildBundle(outdir, extraArgs = []) {
  const res = spawnSync(process.execPath, [wranglerBin, "deploy", "--dry-run", "--outdir", outdir, "--metafile", join(outdir, METAFILE), ...extraArgs], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
  if (res.status !== 0) {
    process.stderr.write(res.stdout + res.stderr);
    throw new Error("wrangler deploy --dry-run failed");
  }
  return /Total Upload:[^\n]*/.exec(res.stdout)?.[0] ?? null;
}

function kindOf(name) {
  if (name.endsWith(".wasm")) return "wasm";
  if (name.endsWith(".js") || name.endsWith(".mjs")) return "js";
  return "other";
}

/** Every uploaded module in `outdir` with its raw and gzip size (source maps and wrangler's notes excluded). */
export function uploadedModules(outdir) {
  const modules = [];
  for (const name of readdirSync(outdir)) {
    const path = join(outdir, name);
    if (!statSync(path).isFile() || name.endsWith(".map") || NOT_UPLOADED.has(name)) continue;
    const bytes = readFileSync(path);
    // Content-hashed names (wrangler prefixes WASM with a sha1) are shortened for reading.
    const label = name.replace(/^[0-9a-f]{40}-/, "");
    modules.push({ name: label, kind: kindOf(name), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
  }
  return modules.sort((a, b) => b.gzip - a.gzip);
}

/** The package (or src/ folder) an esbuild input path belongs to. */
export function ownerOf(inputPath) {
  // The innermost node_modules names the package (nested copies count as their own package).
  const pkg = [...inputPath.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1);
  if (pkg) return pkg[1];
  const parts = inputPath.split("/");
  return parts[0] === "src" && parts.length > 2 ? `${parts[0]}/${parts[1]}` : inputPath;
}

/**
 * index.js's contributors by package, from the metafile. A part's gzip size cannot be measured alone
 * (gzip works across the whole file), so it is estimated as its share of the minified bytes times the
 * file's real gzip size.
 */
export function contributors(meta, entryGzip) {
  const entry = Object.entries(meta.outputs).find(([name, o]) => o.entryPoint && !name.endsWith(".map"));
  if (!entry) throw new Error("the metafile has no entry output");
  const [, output] = entry;
  const byOwner = new Map();
  for (const [path, input] of Object.entries(output.inputs)) {
    byOwner.set(ownerOf(path), (byOwner.get(ownerOf(path)) ?? 0) + input.bytesInOutput);
  }
  const total = [...byOwner.values()].reduce((a, b) => a + b, 0) || 1;
  return [...byOwner.entries()]
    .map(([name, bytes]) => ({ name, bytes, gzipEstimate: Math.round((bytes / total) * entryGzip) }))
    .sort((a, b) => b.bytes - a.bytes);
}

/** Whether a total fits the budget, with the sentence to print. */
export function checkBudget(totalGzip, budget = BUNDLE_BUDGET_GZIP_BYTES) {
  const ok = totalGzip <= budget;
  const diff = Math.abs(budget - totalGzip);
  return {
    ok,
    message: ok
      ? `bundle ${kib(totalGzip)} gzip is within the budget of ${kib(budget)} (${kib(diff)} to spare)`
      : `bundle ${kib(totalGzip)} gzip is OVER the budget of ${kib(budget)} by ${kib(diff)}`,
  };
}

/** Builds the bundle and measures it. `keep` leaves the output directory in place (the bench serves it). */
export function bundleReport({ outdir = mkdtempSync(join(tmpdir(), "drape-bundle-")), keep = false } = {}) {
  try {
    const wranglerTotal = buildBundle(outdir);
    const modules = uploadedModules(outdir);
    const meta = JSON.parse(readFileSync(join(outdir, METAFILE), "utf8"));
    const entryGzip = modules.find((m) => m.name === "index.js")?.gzip ?? 0;
    const sum = (kind) => modules.filter((m) => !kind || m.kind === kind).reduce((a, m) => a + m.gzip, 0);
    return {
      outdir,
      wranglerTotal,
      modules,
      totals: { js: sum("js"), wasm: sum("wasm"), other: sum("other"), gzip: sum(), raw: modules.reduce((a, m) => a + m.raw, 0) },
      budget: BUNDLE_BUDGET_GZIP_BYTES,
      contributors: contributors(meta, entryGzip),
    };
  } finally {
    if (!keep) rmSync(outdir, { recursive: true, force: true });
  }
}

function main(argv) {
  const check = argv.includes("--check");
  const jsonAt = argv.indexOf("--json");
  const topAt = argv.indexOf("--top");
  const top = topAt >= 0 ? Number(argv[topAt + 1]) : 20;
  const report = bundleReport();
  const out = (s) => process.stdout.write(`${s}\n`);
  out(`Upload modules (gzip -9 each):`);
  for (const m of report.modules) out(`  ${m.name.padEnd(28)} ${m.kind.padEnd(5)} ${kib(m.raw).padStart(12)} raw ${kib(m.gzip).padStart(11)} gzip`);
  const t = report.totals;
  out(`Total: ${kib(t.gzip)} gzip (JS ${kib(t.js)}, WASM ${kib(t.wasm)}, other ${kib(t.other)}); ${kib(t.raw)} raw`);
  if (report.wranglerTotal) out(`wrangler: ${report.wranglerTotal}`);
  out(`\nindex.js by package (minified bytes; gzip estimated as the share of index.js's gzip):`);
  for (const c of report.contributors.slice(0, top)) out(`  ${c.name.padEnd(40)} ${kib(c.bytes).padStart(11)} ≈ ${kib(c.gzipEstimate).padStart(10)} gzip`);
  if (jsonAt >= 0) writeFileSync(argv[jsonAt + 1], `${JSON.stringify({ ...report, outdir: undefined }, null, 2)}\n`);
  const verdict = checkBudget(t.gzip, report.budget);
  out(`\n${verdict.message}`);
  if (check && !verdict.ok) process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
