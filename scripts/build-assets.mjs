// Static assets served by Workers static assets (wrangler.toml `[assets]`), never bundled into the
// Worker: the API reference UI (Scalar's standalone browser build, from the pinned
// @scalar/api-reference package) so /tryon/v1/docs loads nothing from a third-party origin, and
// the dashboard's own stylesheet and script (src/dashboard/assets → /dashboard/app.{css,js}), and
// the llms.txt files (docs/llms.txt, docs/llms-full.txt → /llms.txt, /llms-full.txt).
// Run by wrangler before `dev` and `deploy` (`[build] command`) and by vitest.config.ts.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { apiPath } from "../src/lib/api-paths.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
export const ASSETS_DIR = join(root, "dist", "assets");

/** Where the page expects the script (src/http/api-docs.ts), relative to the assets directory. */
export const DOCS_SCRIPT_PATH = apiPath("/docs/scalar.js").slice(1);
/** The dashboard's assets, served at /dashboard/<file> (src/dashboard/layout.tsx links them). */
const DASHBOARD_ASSETS_SRC = join(root, "src", "dashboard", "assets");
const DASHBOARD_ASSETS_DIR = "dashboard";
/** The bundled sample photos (scripts/assets) the dashboard's playground offers. */
const SAMPLE_FILES = ["person.jpg", "garment.png"];
/** docs/llms.txt and docs/llms-full.txt, served at /llms.txt and /llms-full.txt. */
const LLMS_FILES = ["llms.txt", "llms-full.txt"];
/** The dashboard's CSP (src/dashboard/middleware/security-headers.ts) on its static files too. */
const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export function buildAssets() {
  // A direct dependency, so npm installs it at the top of node_modules (its exports hide package.json).
  const pkgDir = join(root, "node_modules", "@scalar", "api-reference");
  const { version } = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const target = join(ASSETS_DIR, DOCS_SCRIPT_PATH);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(pkgDir, "dist", "browser", "standalone.js"), target);
  // The llms.txt files (generated into docs/ by `npm run gen:llms`) at the site's root.
  for (const file of LLMS_FILES) copyFileSync(join(root, "docs", file), join(ASSETS_DIR, file));
  const dashboardDir = join(ASSETS_DIR, DASHBOARD_ASSETS_DIR);
  mkdirSync(dashboardDir, { recursive: true });
  const dashboardFiles = readdirSync(DASHBOARD_ASSETS_SRC).filter((f) => /\.(css|js)$/.test(f));
  for (const file of dashboardFiles) copyFileSync(join(DASHBOARD_ASSETS_SRC, file), join(dashboardDir, file));
  // The playground's sample photos (the demo's), at /dashboard/samples/<file>.
  mkdirSync(join(dashboardDir, "samples"), { recursive: true });
  for (const file of SAMPLE_FILES) copyFileSync(join(root, "scripts", "assets", file), join(dashboardDir, "samples", file));
  // Same-origin script, revalidated hourly (the name is stable across upgrades; the ETag is not).
  // The dashboard's files keep their names across deploys, so browsers revalidate them every time.
  const dashboardHeaders = dashboardFiles.map(
    (f) => `/${DASHBOARD_ASSETS_DIR}/${f}\n  Cache-Control: no-cache\n  X-Content-Type-Options: nosniff\n  Content-Security-Policy: ${DASHBOARD_CSP}\n`,
  );
  writeFileSync(
    join(ASSETS_DIR, "_headers"),
    [
      `/${DOCS_SCRIPT_PATH}\n  Cache-Control: public, max-age=3600\n  X-Content-Type-Options: nosniff\n  X-Scalar-Version: ${version}\n`,
      ...dashboardHeaders,
      ...LLMS_FILES.map((f) => `/${f}\n  Content-Type: text/plain; charset=utf-8\n  Cache-Control: public, max-age=300\n  X-Content-Type-Options: nosniff\n`),
    ].join(""),
  );
  return { target, version, dashboardFiles };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { version, dashboardFiles } = buildAssets();
  console.log(`[build-assets] @scalar/api-reference ${version} → dist/assets/${DOCS_SCRIPT_PATH}; dashboard ${dashboardFiles.join(", ")}`);
}
