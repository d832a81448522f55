import { describe, expect, it } from "vitest";
import { TryOnAcceptedSchema } from "../../src/schemas/tryon-generations";
import { ownerWithKey } from "../helpers/dashboard-data";
import { api, readWire } from "../helpers/harness";
import { registerProduct, runConsumer, tryOn, uploadPerson, usePipelineQueues } from "../helpers/pipeline";
import { expectLedgerBalances, grantCredits } from "../services/credits/helpers";

const queue = usePipelineQueues();

interface Row {
  kind: string;
  amount: number;
  after: number;
  reason: string;
  ref: string;
}

/** The ledger table as a user reads it. */
function rowsOf(html: string): Row[] {
  const rows: Row[] = [];
  for (const m of html.matchAll(/<tr data-entry="[^"]+">(.*?)<\/tr>/g)) {
    const cells = [...(m[1] ?? "").matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => (c[1] ?? "").replace(/<[^>]+>/g, ""));
    rows.push({ kind: cells[1] ?? "", amount: Number(cells[2]), after: Number(cells[3]), reason: cells[4] ?? "", ref: cells[5] ?? "" });
  }
  return rows;
}

describe("credits page: the ledger", () => {
  it("shows grants, reserves, commits and refunds with reasons and references; the entries sum to the balance shown", async () => {
    const { browser, acct } = await ownerWithKey();
    await grantCredits(acct.accountId, 4, "po-1234");
    const imageId = await uploadPerson(acct);
    await registerProduct(acct, "shirt-l");
    const start = async () =>
      (await readWire(await tryOn(acct, { products: [{ externalId: "shirt-l" }], person: { image: { source: { id: imageId } } } }), TryOnAcceptedSchema))
        .generationId;
    const done = await start();
    await runConsumer([{ body: queue.messages.find((m) => m.generationId === done) }]);
    const cancelled = await start();
    expect((await api(acct, `/generations/${cancelled}/cancel`, { method: "POST" })).status).toBe(200);

    const page = await browser.get("/dashboard/credits");
    expect(page.status).toBe(200);
    const rows = rowsOf(page.html);
    expect(rows.map((r) => r.kind)).toEqual(["Refund", "Reserve", "Commit", "Reserve", "Grant", "Grant"]);
    expect(rows.find((r) => r.ref === "po-1234")).toMatchObject({ kind: "Grant", amount: 4, reason: "test grant" });
    expect(rows.at(-1)?.ref).toMatch(/^signup:/);
    expect(rows.filter((r) => r.ref === done).map((r) => r.kind)).toEqual(["Commit", "Reserve"]);
    expect(rows.filter((r) => r.ref === cancelled).map((r) => r.kind)).toEqual(["Refund", "Reserve"]);
    const { balance } = await expectLedgerBalances(acct.accountId);
    expect(rows.reduce((sum, r) => sum + r.amount, 0)).toBe(balance);
    expect(rows[0]?.after).toBe(balance);
    expect(page.html).toMatch(new RegExp(`data-testid="credit-balance">${balance}<`));
    expect(page.html).toContain(`href="/dashboard/generations/${done}"`);
  });

  it("pages with the ledger's cursor, 50 entries a page, and refuses a forged cursor with a 400 page", async () => {
    const { browser, acct } = await ownerWithKey();
    for (let i = 0; i < 50; i++) await grantCredits(acct.accountId, 1, `bulk-${i}`);
    const first = await browser.get("/dashboard/credits");
    expect(rowsOf(first.html)).toHaveLength(50);
    const older = /href="(\/dashboard\/credits\?cursor=[^"]+)"/.exec(first.html)?.[1] ?? "";
    const second = await browser.get(older.replaceAll("&amp;", "&"));
    const rest = rowsOf(second.html);
    expect(rest.map((r) => r.ref)).toEqual([expect.stringMatching(/^signup:/)]);
    expect(second.html).not.toContain("Older entries");
    expect([...rowsOf(first.html), ...rest].reduce((s, r) => s + r.amount, 0)).toBe((await expectLedgerBalances(acct.accountId)).balance);
    expect((await browser.get("/dashboard/credits?cursor=forged")).status).toBe(400);
  });
});
