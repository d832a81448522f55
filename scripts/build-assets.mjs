// Static assets served by Workers static assets (wrangler.toml `[assets]`), never bundled into the
// Worker: the API reference UI (Scalar's standalone browser build, from the pinned
// @scalar/api-reference package) so /tryon/v1/docs loads nothing from a third-party origin.
// Run by wrangler before `dev` and `deploy` (`[build] command`) and by vitest.config.ts.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { apiPath } from "../src/lib/api-paths.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
export const ASSETS_DIR = join(root, "dist", "assets");

/** Where the page expects the script (src/http/api-docs.ts), relative to the assets directory. */
export const DOCS_SCRIPT_PATH = apiPath("/docs/scalar.js").slice(1);

export function buildAssets() {
  // A direct dependency, so npm installs it at the top of node_modules (its exports hide package.json).
  const pkgDir = join(root, "node_modules", "@scalar", "api-reference");
  const { version } = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const target = join(ASSETS_DIR, DOCS_SCRIPT_PATH);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(pkgDir, "dist", "browser", "standalone.js"), target);
  // Same-origin script, revalidated hourly (the name is stable across upgrades; the ETag is not).
  writeFileSync(
    join(ASSETS_DIR, "_headers"),
    `/${DOCS_SCRIPT_PATH}\n  Cache-Control: public, max-age=3600\n  X-Content-Type-Options: nosniff\n  X-Scalar-Version: ${version}\n`,
  );
  return { target, version };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { version } = buildAssets();
  console.log(`[build-assets] @scalar/api-reference ${version} → dist/assets/${DOCS_SCRIPT_PATH}`);
}
