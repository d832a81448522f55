// `npm run screenshots`: PNGs of the dashboard's main pages for docs/screenshots/ (shown in README.md
// and docs/dashboard.md). It starts Drape exactly as the e2e tests do (`npm start` on a spare port
// with a fresh state), signs up in Debian's Chromium, verifies through the dev outbox, creates a
// key, runs one try-on with the bundled sample photo and garment, then saves each page of the one
// route list (test/helpers/dashboard-routes.ts) that is built (not a "not built yet" stub) at
// 1280 px, and the overview at 390 px. The server and the browser are stopped by id at the end.
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, "docs", "screenshots");
const load = (path) => tsImport(join(root, path), import.meta.url);

const { startDrape } = await load("test/e2e/server.ts");
const { launchBrowser } = await load("test/e2e/browser.ts");
const { signUpWithKey, finishedTryOn } = await load("test/e2e/fixture.ts");
const { dashboardPages } = await load("test/helpers/dashboard-routes.ts");

/** `/dashboard/keys` → `keys`, `/dashboard` → `overview`, `/dashboard/sign-in` → `sign-in`. */
const nameOf = (path) =>
  path
    .replace(/\?.*$/, "")
    .replace(/^\/dashboard\/?/, "")
    .replaceAll("/", "-") || "overview";

const drape = await startDrape(root, "screenshots-server.log");
let browser;
try {
  browser = await launchBrowser(drape.base, { width: 1280, height: 800 });
  const { page } = browser;
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(out)) if (f.endsWith(".png")) rmSync(join(out, f));
  const shot = async (name) => {
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
    console.log(`docs/screenshots/${name}.png`);
  };

  // Signed out: the pages a new user sees first.
  for (const path of ["/dashboard/sign-up", "/dashboard/sign-in"]) {
    await page.goto(`${drape.base}${path}`);
    await shot(nameOf(path));
  }

  const integrator = await signUpWithKey(page, drape.base, { email: "ada@example.com", accountName: "Lovelace Apparel" });
  const generationId = await finishedTryOn(drape.base, integrator.key);
  const ids = { keyId: integrator.keyId, generationId, productId: "striped-tee", externalId: "striped-tee" };

  for (const { path, access } of dashboardPages(ids)) {
    if (access !== "member") continue;
    await page.goto(`${drape.base}${path}`);
    // Areas not built yet say so; they are not worth a picture.
    if ((await page.locator(".stub").count()) > 0) continue;
    await shot(nameOf(path));
  }

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${drape.base}/dashboard`);
  await shot("overview-mobile");
  if (browser.foreignRequests.length > 0) throw new Error(`requests to other origins: ${browser.foreignRequests.join(", ")}`);
} finally {
  await browser?.close();
  await drape.stop();
}
