import { describe, expect, it } from "vitest";
import { memberOf, ownerWithKey } from "../helpers/dashboard-data";
import { env } from "../helpers/harness";
import { makeHeic, makePng } from "../helpers/images";
import { fetchThroughWorker } from "../helpers/pipeline";

const logoRow = (id: string) =>
  env.DB.prepare("SELECT logo_r2_key AS key, logo_format AS format, logo_width AS width, logo_height AS height FROM accounts WHERE id = ?")
    .bind(id)
    .first<{ key: string | null; format: string | null; width: number | null; height: number | null }>();

const storedLogos = async (accountId: string) => (await env.BUCKET.list({ prefix: `keep/${accountId}/logo/` })).objects.map((o) => o.key);

function logoForm(bytes: Uint8Array | null, name = "logo.png", type = "image/png"): FormData {
  const form = new FormData();
  if (bytes) form.set("logo", new File([bytes], name, { type }));
  return form;
}

/** The src of the current logo's preview on the settings page (HTML-unescaped). */
function previewSrc(html: string): string | null {
  const m = /<img class="logo-preview" src="([^"]+)"/.exec(html);
  return m?.[1]?.replaceAll("&amp;", "&") ?? null;
}

describe("settings → watermark logo", () => {
  it("an owner uploads a logo (stored as the operator API stores it), sees it on the page, replaces it and removes it", async () => {
    const { browser, acct } = await ownerWithKey();
    const empty = await browser.get("/dashboard/settings");
    expect(empty.html).toContain("No logo yet.");
    expect(previewSrc(empty.html)).toBeNull();

    const png = await makePng(100, 50, () => [20, 40, 200, 255]);
    const saved = await browser.postMultipart("/dashboard/settings/logo", logoForm(png));
    expect(saved.status, saved.html.slice(0, 300)).toBe(303);
    const row = await logoRow(acct.accountId);
    expect(row).toMatchObject({ format: "png", width: 100, height: 50 });
    const obj = await env.BUCKET.get(row?.key ?? "");
    expect(new Uint8Array(await (obj as R2ObjectBody).arrayBuffer())).toEqual(png);

    // The page shows it through a signed file URL that serves those very bytes.
    const page = await browser.follow(saved);
    expect(page.html).toContain("The watermark logo is saved.");
    expect(page.html).toContain("PNG, 100×50 px.");
    const src = previewSrc(page.html);
    expect(src).not.toBeNull();
    const served = await fetchThroughWorker(src as string);
    expect(served.status).toBe(200);
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(png);

    // Replacing keeps one logo.
    const second = await makePng(64, 64, () => [250, 250, 0, 255]);
    expect((await browser.postMultipart("/dashboard/settings/logo", logoForm(second))).status).toBe(303);
    const replaced = await logoRow(acct.accountId);
    expect(replaced).toMatchObject({ width: 64, height: 64 });
    expect(await storedLogos(acct.accountId)).toEqual([replaced?.key]);

    await browser.get("/dashboard/settings");
    const removed = await browser.post("/dashboard/settings/logo/remove", {});
    expect(removed.status).toBe(303);
    expect(await logoRow(acct.accountId)).toEqual({ key: null, format: null, width: null, height: null });
    expect(await storedLogos(acct.accountId)).toEqual([]);
    expect((await browser.follow(removed)).html).toContain("No logo yet.");
  });

  it("refuses a missing file, a non-image, HEIC and an oversize file at the field (400), storing nothing", async () => {
    const { browser, acct } = await ownerWithKey();
    const cases: Array<[string, FormData, RegExp]> = [
      ["no file", logoForm(null), /Choose an image file/],
      ["text", logoForm(new TextEncoder().encode("plain words, certainly not a picture"), "logo.png"), /not an image type|not a JPEG/i],
      ["HEIC", logoForm(makeHeic(300, 300), "logo.heic", "image/heic"), /HEIC is not accepted/],
      ["over 512 KB", logoForm(padded(await makePng(64, 64), 600 * 1024)), /the limit is 524288 bytes/],
    ];
    for (const [what, form, message] of cases) {
      await browser.get("/dashboard/settings");
      const page = await browser.postMultipart("/dashboard/settings/logo", form);
      expect(page.status, what).toBe(400);
      expect(page.html, what).toMatch(/id="f-logo-error"/);
      expect(page.html, what).toMatch(message);
    }
    expect(await logoRow(acct.accountId)).toEqual({ key: null, format: null, width: null, height: null });
    expect(await storedLogos(acct.accountId)).toEqual([]);
  });

  it("a developer (no settings permission) is refused upload and removal with 403, changing nothing", async () => {
    const { browser, acct } = await ownerWithKey();
    const png = await makePng(40, 40);
    await browser.get("/dashboard/settings");
    expect((await browser.postMultipart("/dashboard/settings/logo", logoForm(png))).status).toBe(303);
    const before = await logoRow(acct.accountId);

    const dev = await memberOf(acct.accountId, "developer");
    await dev.browser.get("/dashboard");
    expect((await dev.browser.postMultipart("/dashboard/settings/logo", logoForm(await makePng(50, 50)))).status).toBe(403);
    expect((await dev.browser.post("/dashboard/settings/logo/remove", {})).status).toBe(403);
    expect(await logoRow(acct.accountId)).toEqual(before);
    expect(await storedLogos(acct.accountId)).toEqual([before?.key]);
  });
});

/** A real PNG followed by filler up to `size` bytes. */
function padded(png: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(png);
  return out;
}
