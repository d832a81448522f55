import { describe, expect, it } from "vitest";
import { ownerWithKey } from "../helpers/dashboard-data";
import { env } from "../helpers/harness";
import { insertGeneration } from "../helpers/webhooks";
import { expectLedgerBalances, grantCredits } from "../services/credits/helpers";

const DAY = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A generation of the account created at `at`, with a status and an error code. */
async function generationAt(accountId: string, at: number, status: "COMPLETED" | "FAILED", errorCode?: string) {
  const id = await insertGeneration(accountId, { status });
  await env.DB.prepare("UPDATE generations SET created_at = ?, error_code = ? WHERE id = ?")
    .bind(at, status === "FAILED" ? (errorCode ?? "GARMENT_NOT_DETECTED") : null, id)
    .run();
  return id;
}

/** The chart's table alternative: one row per day, counts by status. */
function usageRows(html: string): Map<string, { completed: number; failed: number; total: number }> {
  const out = new Map<string, { completed: number; failed: number; total: number }>();
  for (const m of html.matchAll(/<tr data-day="([^"]+)">(.*?)<\/tr>/g)) {
    const n = [...(m[2] ?? "").matchAll(/<td class="num">(\d+)<\/td>/g)].map((c) => Number(c[1]));
    out.set(m[1] ?? "", { completed: n[0] ?? -1, failed: n[1] ?? -1, total: n[4] ?? -1 });
  }
  return out;
}

describe("overview", () => {
  it("shows balance and reserved from the ledger, the 30-day chart by UTC day and status, error codes of 7 days, recent generations", async () => {
    const { browser, acct } = await ownerWithKey();
    await grantCredits(acct.accountId, 7);
    const t0 = Date.now();
    const today = Math.floor(t0 / DAY) * DAY;
    // Today (its first hour, so always in the past), 3 days ago, 10 days ago (its errors are outside 7 days),
    // 29 days ago (the chart's first day) and 30 days ago (before the chart).
    const recent = await generationAt(acct.accountId, today + 1000, "COMPLETED");
    await generationAt(acct.accountId, today + 2000, "FAILED", "PERSON_NOT_DETECTED");
    await generationAt(acct.accountId, today - 3 * DAY + 5000, "FAILED", "PERSON_NOT_DETECTED");
    await generationAt(acct.accountId, today - 3 * DAY + 6000, "FAILED", "GARMENT_NOT_DETECTED");
    await generationAt(acct.accountId, today - 10 * DAY, "FAILED", "ENGINE_TIMEOUT");
    await generationAt(acct.accountId, today - 29 * DAY, "COMPLETED");
    await generationAt(acct.accountId, today - 29 * DAY - 1, "COMPLETED"); // the last millisecond before the chart
    await generationAt(acct.accountId, today - 30 * DAY, "COMPLETED");

    const page = await browser.get("/dashboard");
    expect(page.status).toBe(200);
    const { balance, reserved } = await expectLedgerBalances(acct.accountId);
    expect(page.html).toContain(`data-testid="credit-balance">${balance}<`);
    expect(page.html).toContain(`data-testid="credit-reserved">${reserved}<`);

    const rows = usageRows(page.html);
    expect(rows.size).toBe(30);
    expect([...rows.keys()][0]).toBe(dayOf(today - 29 * DAY));
    expect([...rows.keys()][29]).toBe(dayOf(today));
    expect(rows.get(dayOf(today))).toEqual({ completed: 1, failed: 1, total: 2 });
    expect(rows.get(dayOf(today - 3 * DAY))).toEqual({ completed: 0, failed: 2, total: 2 });
    expect(rows.get(dayOf(today - 10 * DAY))).toEqual({ completed: 0, failed: 1, total: 1 });
    expect(rows.get(dayOf(today - 29 * DAY))).toEqual({ completed: 1, failed: 0, total: 1 });
    expect([...rows.values()].reduce((n, r) => n + r.total, 0)).toBe(6);
    // The SVG says what it shows.
    expect(page.html).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="usage-title usage-desc"/);
    expect(page.html).toContain("Generations per day, last 30 days");
    expect(page.html).toMatch(/<desc id="usage-desc">6 generations over 30 days \(2 completed, 4 failed\)/);

    const codes = [...page.html.matchAll(/<tr data-error-code="([^"]+)">.*?<td class="num">(\d+)<\/td>/g)].map((m) => [m[1], Number(m[2])]);
    expect(codes).toEqual([
      ["PERSON_NOT_DETECTED", 2],
      ["GARMENT_NOT_DETECTED", 1],
    ]);
    expect(page.html).toContain('href="/tryon/v1/errors/PERSON_NOT_DETECTED"');
    expect(page.html).toContain(`href="/dashboard/generations/${recent}"`);
  });

  it("a new account: an empty chart that says so, no error codes, and a hint to create a key", async () => {
    const { browser } = await ownerWithKey();
    const page = await browser.get("/dashboard");
    expect(page.html).toContain("No generations from");
    expect(page.html).toContain("No failed generations in the last 7 days.");
    expect(page.html).toContain("No generations yet.");
  });
});
