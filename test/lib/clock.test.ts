import { describe, expect, it } from "vitest";
import { accountGateStub } from "../../src/durable/account-gate/client";
import { now } from "../../src/lib/clock";
import { AccountViewSchema } from "../../src/schemas/account";
import { api, createAccount, env, readWire } from "../helpers/harness";

const DAY = 86_400_000;

describe("one clock for the isolate and the AccountGate", () => {
  it("the Worker's clock, the AccountGate's clock and the test's Date agree, at whatever offset the suite runs", async () => {
    const acct = await createAccount();
    const before = Date.now();
    const gate = await accountGateStub(env, acct.accountId).testSetClock(null);
    const worker = now();
    expect(gate).toBeGreaterThanOrEqual(before);
    expect(worker).toBeGreaterThanOrEqual(gate);
    expect(worker - before).toBeLessThan(5_000);
    // The day the API reports as "today" is the test clock's day.
    const res = await api(acct, "/account");
    expect(res.status).toBe(200);
    const body = await readWire(res, AccountViewSchema);
    expect(body.usageToday.day).toBe(new Date(now()).toISOString().slice(0, 10));
  });

  it("runs at the configured offset (TEST_CLOCK_OFFSET_DAYS)", () => {
    const offsetDays = Number(env.TEST_CLOCK_OFFSET_DAYS ?? "0");
    // 2026-01-01T00:00Z, before any day this suite was ever run on; a shifted clock is that much further on.
    const SUITE_WRITTEN_AFTER_MS = 1_767_225_600_000;
    expect(now()).toBeGreaterThan(SUITE_WRITTEN_AFTER_MS + offsetDays * DAY);
  });
});
