// Builds dist/ for npm: ESM (dist/esm) and CommonJS (dist/cjs) bundles of the two entries
// (`.`: every runtime; `./node`: Node-only helpers), with their type declarations.
// openapi-fetch stays a dependency (not bundled). Run by `npm pack` (prepack) and the tests.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const pkgDir = fileURLToPath(new URL("..", import.meta.url));
const dist = join(pkgDir, "dist");
const entries = ["src/index.ts", "src/node.ts"].map((e) => join(pkgDir, e));

rmSync(dist, { recursive: true, force: true });
for (const [format, dir] of [
  ["esm", "esm"],
  ["cjs", "cjs"],
]) {
  await build({
    entryPoints: entries,
    outdir: join(dist, dir),
    bundle: true,
    packages: "external",
    platform: "neutral",
    format,
    target: "es2022",
    sourcemap: false,
    logLevel: "warning",
  });
}
// Each folder says how its .js files load, whatever the importing project's own "type" is.
writeFileSync(join(dist, "esm", "package.json"), `${JSON.stringify({ type: "module" })}\n`);
writeFileSync(join(dist, "cjs", "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);

// Declarations once (tsc), the same files beside both formats.
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const types = join(dist, "types");
const res = spawnSync(process.execPath, [tsc, "-p", join(pkgDir, "tsconfig.json"), "--noEmit", "false", "--emitDeclarationOnly", "--outDir", types], {
  stdio: "inherit",
});
if (res.status !== 0) process.exit(res.status ?? 1);
const copyTree = (from, to) => {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) copyTree(join(from, entry.name), join(to, entry.name));
    else copyFileSync(join(from, entry.name), join(to, entry.name));
  }
};
copyTree(types, join(dist, "esm"));
copyTree(types, join(dist, "cjs"));
rmSync(types, { recursive: true, force: true });
console.log("built packages/client/dist (esm, cjs, types)");
