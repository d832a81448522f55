import { describe, expect, it } from "vitest";
import { now } from "../../src/lib/clock";
import { BASE62, isId, newId, randomBase62 } from "../../src/lib/ids";

describe("ids", () => {
  it("are the prefix, 8 characters of time and 16 random base62 characters, and sort by creation time", () => {
    const t = now();
    const earlier = newId("generation", t);
    const later = newId("generation", t + 1);
    expect(earlier).toMatch(/^gen_[0-9A-Za-z]{24}$/);
    expect(isId("generation", earlier)).toBe(true);
    expect(isId("image", earlier)).toBe(false);
    expect(earlier < later).toBe(true);
  });

  it("never repeat, across many refills of the random pool", () => {
    const at = now();
    // 20,000 ids × 16+ bytes each: the 1 KiB pool is refilled hundreds of times.
    const ids = new Set(Array.from({ length: 20_000 }, () => newId("request", at)));
    expect(ids.size).toBe(20_000);
  });

  it("draw every base62 character about equally often (no modulo bias, no stuck pool)", () => {
    const counts = new Map<string, number>();
    const text = randomBase62(62 * 1000);
    expect(text).toHaveLength(62_000);
    for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect([...counts.keys()].sort().join("")).toBe([...BASE62].sort().join(""));
    // Expected 1,000 each; a fair source stays well inside ±25 % (≈ 8 standard deviations).
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(750);
      expect(n).toBeLessThan(1250);
    }
  });
});
