import { describe, expect, it } from "vitest";
import { TestBrowser } from "../helpers/dashboard";
import { memberOf, ownerWithKey } from "../helpers/dashboard-data";
import { api, env } from "../helpers/harness";
import { filePart, garmentPng, personJpeg, runConsumer, usePipelineQueues } from "../helpers/pipeline";
import { expectLedgerBalances } from "../services/credits/helpers";

const queue = usePipelineQueues();

const genIdOf = (location: string | null) => /^\/dashboard\/playground\/(gen_[^?]+)/.exec(location ?? "")?.[1] ?? "";
const idemOf = (html: string) => /name="_idem" value="([^"]*)"/.exec(html)?.[1] ?? "";

/** The playground form as a browser sends it: every field of the page, files where chosen. */
async function form(browser: TestBrowser, fields: Record<string, string>, files: { person?: File; garment?: File } = {}): Promise<FormData> {
  const page = await browser.get("/dashboard/playground");
  expect(page.status).toBe(200);
  const data = new FormData();
  data.set("_idem", idemOf(page.html));
  for (const [k, v] of Object.entries(fields)) data.set(k, v);
  // An empty file input still sends a part (no name, no bytes), as a browser does.
  data.set("person", files.person ?? new File([], "", { type: "application/octet-stream" }));
  data.set("garment", files.garment ?? new File([], "", { type: "application/octet-stream" }));
  return data;
}

const generationRows = async (accountId: string) =>
  (await env.DB.prepare("SELECT id FROM generations WHERE account_id = ?").bind(accountId).all<{ id: string }>()).results.map((r) => r.id);

// Every signed-up account starts with SIGNUP_FREE_CREDITS (10) on top of what a test grants.
describe("dashboard playground", () => {
  it("runs a live try-on through the API with the playground key: one credit, visible to the account's API, result beside the inputs", async () => {
    const { browser, acct } = await ownerWithKey(3);
    const sent = await browser.postMultipart(
      "/dashboard/playground",
      await form(
        browser,
        { garmentSample: "" },
        { person: filePart(await personJpeg(), "me.jpg", "image/jpeg"), garment: filePart(await garmentPng(), "g.png", "image/png") },
      ),
    );
    expect(sent.status, sent.html.slice(0, 300)).toBe(303);
    const id = genIdOf(sent.location);
    expect(sent.location).toBe(`/dashboard/playground/${id}`);

    // The account's own API sees it; exactly one credit is held for it.
    expect((await api(acct, `/generations/${id}`)).status).toBe(200);
    expect(await expectLedgerBalances(acct.accountId)).toMatchObject({ balance: 12, reserved: 1 });
    // The key it ran with is in the key list under its name.
    expect((await browser.get("/dashboard/keys")).html).toContain("Dashboard playground");

    // While it runs the page refreshes itself and shows the inputs.
    const running = await browser.get(`/dashboard/playground/${id}`);
    expect(running.status).toBe(200);
    expect(running.res.headers.get("refresh")).toBe("2");
    expect(running.html).toContain("Working on it");

    expect(queue.messages).toHaveLength(1);
    await runConsumer(queue.messages.map((body) => ({ body })));
    const done = await browser.get(`/dashboard/playground/${id}`);
    expect(done.html).toContain("COMPLETED");
    expect(done.res.headers.get("refresh")).toBeNull();
    expect([...done.html.matchAll(/<img src="([^"]+)"/g)].length).toBeGreaterThanOrEqual(3);
    expect(await expectLedgerBalances(acct.accountId)).toMatchObject({ balance: 12, reserved: 0, spent: 1 });
  });

  it("runs in test mode for free, in the test partition only, and reuses the stored key", async () => {
    const { browser, acct } = await ownerWithKey(2);
    const first = await browser.postMultipart("/dashboard/playground", await form(browser, { personSample: "on", garmentSample: "on", test: "on" }));
    expect(first.status, first.html.slice(0, 300)).toBe(303);
    const id = genIdOf(first.location);
    expect(first.location).toBe(`/dashboard/playground/${id}?mode=test`);
    expect(await generationRows(`${acct.accountId}_test`)).toEqual([id]);
    expect(await generationRows(acct.accountId)).toEqual([]);
    // A live key does not see test data; the live balance is untouched.
    expect((await api(acct, `/generations/${id}`)).status).toBe(404);
    expect(await expectLedgerBalances(acct.accountId)).toMatchObject({ balance: 12, reserved: 0, spent: 0 });
    expect((await browser.get(`/dashboard/playground/${id}?mode=test`)).status).toBe(200);

    const second = await browser.postMultipart("/dashboard/playground", await form(browser, { personSample: "on", garmentSample: "on", test: "on" }));
    expect(second.status).toBe(303);
    const keys = await env.DB.prepare("SELECT count(*) AS n FROM api_keys WHERE account_id = ? AND name = 'Dashboard playground'")
      .bind(`${acct.accountId}_test`)
      .first<{ n: number }>();
    expect(keys?.n).toBe(1);
    // The stored key is sealed, never kept in the clear.
    const row = await env.DB.prepare("SELECT key_enc FROM playground_keys WHERE account_id = ? AND mode = 'test'")
      .bind(acct.accountId)
      .first<{ key_enc: string }>();
    expect(row?.key_enc).toMatch(/^v2\./);
    expect(row?.key_enc).not.toContain("dr_test_");
  });

  it("makes one generation of a double submit", async () => {
    const { browser, acct } = await ownerWithKey(3);
    const data = await form(browser, { personSample: "on", garmentSample: "on" });
    const a = await browser.postMultipart("/dashboard/playground", data);
    const b = await browser.postMultipart("/dashboard/playground", data);
    expect(a.status).toBe(303);
    expect(b.status).toBe(303);
    expect(b.location).toBe(a.location);
    expect(await generationRows(acct.accountId)).toHaveLength(1);
    expect(await expectLedgerBalances(acct.accountId)).toMatchObject({ balance: 12, reserved: 1 });
  });

  it("shows a bad upload at its field, keeps the choices, and charges nothing", async () => {
    const { browser, acct } = await ownerWithKey(3);
    const notAnImage = filePart(new TextEncoder().encode("just some text, not a photo"), "me.jpg", "image/jpeg");
    const bad = await browser.postMultipart("/dashboard/playground", await form(browser, { garmentSample: "on", test: "" }, { person: notAnImage }));
    expect(bad.status).toBe(400);
    expect(bad.html).toMatch(/id="f-person-error"/);
    expect(bad.html).toMatch(/name="garmentSample" checked/);
    expect(bad.html).not.toMatch(/name="test" checked/);

    const missing = await browser.postMultipart(
      "/dashboard/playground",
      await form(browser, { product: "nope" }, { garment: filePart(await garmentPng(), "g.png", "image/png") }),
    );
    expect(missing.status).toBe(400);
    expect(missing.html).toMatch(/id="f-person-error"/);
    expect(missing.html).toMatch(/id="f-garment-error"/);

    const unknownProduct = await browser.postMultipart("/dashboard/playground", await form(browser, { personSample: "on", product: "no-such-product" }));
    expect(unknownProduct.status).toBe(400);
    expect(unknownProduct.html).toMatch(/id="f-garment-error"/);

    expect(await generationRows(acct.accountId)).toEqual([]);
    expect(await expectLedgerBalances(acct.accountId)).toMatchObject({ balance: 13, reserved: 0 });
  });

  it("issues a new key when the stored one was revoked", async () => {
    const { browser, acct } = await ownerWithKey(3);
    expect((await browser.postMultipart("/dashboard/playground", await form(browser, { personSample: "on", garmentSample: "on" }))).status).toBe(303);
    const first = await env.DB.prepare("SELECT key_id FROM playground_keys WHERE account_id = ? AND mode = 'live'")
      .bind(acct.accountId)
      .first<{ key_id: string }>();
    await browser.get("/dashboard/keys");
    expect((await browser.post(`/dashboard/keys/${first?.key_id}/revoke`, {})).status).toBe(303);
    expect((await browser.postMultipart("/dashboard/playground", await form(browser, { personSample: "on", garmentSample: "on" }))).status).toBe(303);
    const second = await env.DB.prepare("SELECT key_id FROM playground_keys WHERE account_id = ? AND mode = 'live'")
      .bind(acct.accountId)
      .first<{ key_id: string }>();
    expect(second?.key_id).not.toBe(first?.key_id);
    expect(await generationRows(acct.accountId)).toHaveLength(2);
  });

  it("lets a developer run it", async () => {
    const { acct } = await ownerWithKey(3);
    const dev = await memberOf(acct.accountId, "developer");
    const sent = await dev.browser.postMultipart("/dashboard/playground", await form(dev.browser, { personSample: "on", garmentSample: "on" }));
    expect(sent.status).toBe(303);
    expect(await generationRows(acct.accountId)).toHaveLength(1);
  });

  it("sends a signed-out visitor to sign-in", async () => {
    const browser = new TestBrowser();
    const page = await browser.get("/dashboard/playground");
    expect(page.status).toBe(303);
    expect(page.location).toBe("/dashboard/sign-in?next=%2Fdashboard%2Fplayground");
    const result = await browser.get("/dashboard/playground/gen_x");
    expect(result.location).toBe("/dashboard/sign-in?next=%2Fdashboard%2Fplayground%2Fgen_x");
  });
});
