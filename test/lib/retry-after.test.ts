import { describe, expect, it } from "vitest";
import { readRetryAfter } from "../../src/lib/retry-after";

describe("readRetryAfter", () => {
  const ms = Date.now();
  const t0 = ms - (ms % 1000); // whole seconds, as HTTP dates carry them
  const bounds = { min: 1, max: 600 };

  it("reads delay-seconds and HTTP dates, clamped to the caller's bounds", () => {
    expect(readRetryAfter("12", t0, bounds)).toBe(12);
    expect(readRetryAfter(" 30 ", t0, bounds)).toBe(30);
    expect(readRetryAfter("0", t0, bounds)).toBe(1);
    expect(readRetryAfter("999999", t0, bounds)).toBe(600);
    expect(readRetryAfter(new Date(t0 + 90_000).toUTCString(), t0, bounds)).toBe(90);
    expect(readRetryAfter(new Date(t0 + 90_000).toUTCString(), t0 + 400, bounds)).toBe(90);
    expect(readRetryAfter(new Date(t0 - 60_000).toUTCString(), t0, bounds)).toBe(1);
    expect(readRetryAfter(new Date(t0 - 60_000).toUTCString(), t0, { min: 0, max: 600 })).toBe(0);
  });

  it("null when absent or unreadable", () => {
    expect(readRetryAfter(null, t0, bounds)).toBeNull();
    expect(readRetryAfter("", t0, bounds)).toBeNull();
    expect(readRetryAfter("soon", t0, bounds)).toBeNull();
  });
});
