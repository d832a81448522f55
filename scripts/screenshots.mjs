// `npm run screenshots`: PNGs of the dashboard's main pages for docs/screenshots/ (shown in README.md
// and docs/dashboard.md). It starts Drape exactly as the e2e tests do (`npm start` on a spare port
// with a fresh state), signs up in Debian's Chromium, verifies through the dev outbox, creates a
// key and a webhook endpoint, runs one try-on with the bundled sample photo and garment (its webhook
// makes a delivery), then saves each page of the one
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
const { signUpWithKey, pageIds } = await load("test/e2e/fixture.ts");
const { dashboardPages } = await load("test/helpers/dashboard-routes.ts");

/**
 * A stable file name from a path or a route pattern: `/dashboard/keys` → `keys`, `/dashboard` →
 * `overview`, `/dashboard/generations/:id` → `generations-detail`, `/dashboard/keys/:keyId/roll` → `keys-roll`.
 */
const nameOf = (path) =>
  path
    .replace(/\?.*$/, "")
    .replace(/^\/dashboard\/?/, "")
    .replace(/\/:[A-Za-z]+$/, "/detail")
    .replace(/\/:[A-Za-z]+/g, "")
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
  const ids = await pageIds(drape.base, integrator);

  for (const { key, path, access } of dashboardPages(ids)) {
    // Pages that reveal a webhook secret are left out: a picture of a secret teaches nothing.
    if (access !== "member" || path.includes("secret")) continue;
    await page.goto(`${drape.base}${path}`);
    // Areas not built yet say so; they are not worth a picture.
    if ((await page.locator(".stub").count()) > 0) continue;
    await shot(nameOf(key.slice(key.indexOf(" ") + 1)));
  }

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${drape.base}/dashboard`);
  await shot("overview-mobile");
  if (browser.foreignRequests.length > 0) throw new Error(`requests to other origins: ${browser.foreignRequests.join(", ")}`);
} finally {
  await browser?.close();
  await drape.stop();
}
