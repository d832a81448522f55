import { describe, expect, it } from "vitest";
import { LruCache } from "../../src/lib/lru-cache";

describe("LruCache", () => {
  it("holds at most maxEntries and drops the least recently used, not everything", () => {
    const cache = new LruCache<string, number>({ maxEntries: 3 });
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("c", 3);
    expect(cache.get("a")).toBe(1); // a is now the most recently used
    cache.set("d", 4);
    expect(cache.size).toBe(3);
    expect(cache.get("b")).toBeUndefined();
    expect([cache.get("a"), cache.get("c"), cache.get("d")]).toEqual([1, 3, 4]);
  });

  it("setting a key again refreshes it in place", () => {
    const cache = new LruCache<string, number>({ maxEntries: 2 });
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("a", 10);
    cache.set("c", 3);
    expect(cache.get("a")).toBe(10);
    expect(cache.get("b")).toBeUndefined();
  });

  it("entries expire after the cache's ttl, or their own, on the caller's clock", () => {
    const t0 = Date.now();
    const cache = new LruCache<string, string | null>({ maxEntries: 10, ttlMs: 1000 });
    cache.set("k", "v", { at: t0 });
    cache.set("neg", null, { at: t0, ttlMs: 100 });
    expect(cache.get("k", t0 + 999)).toBe("v");
    expect(cache.get("neg", t0 + 99)).toBeNull(); // a cached null is a hit, not a miss
    expect(cache.get("neg", t0 + 100)).toBeUndefined();
    expect(cache.get("k", t0 + 1000)).toBeUndefined();
    expect(cache.size).toBe(0); // expired entries are dropped when seen
  });

  it("delete, deleteWhere and clear", () => {
    const cache = new LruCache<string, { account: string }>({ maxEntries: 10 });
    cache.set("k1", { account: "a" });
    cache.set("k2", { account: "b" });
    cache.set("k3", { account: "a" });
    cache.deleteWhere((v) => v.account === "a");
    expect([cache.get("k1"), cache.get("k3")]).toEqual([undefined, undefined]);
    expect(cache.delete("k2")).toBe(true);
    cache.set("k4", { account: "c" });
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it("evicts in true least-recently-used order over a long mixed sequence (the newest key is not re-inserted on a hit)", () => {
    // A reference model: an array ordered from least to most recently used.
    const cache = new LruCache<number, number>({ maxEntries: 4 });
    let order: number[] = [];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    for (let i = 0; i < 2000; i++) {
      const key = next() % 7;
      const op = next() % 5;
      if (op === 0) {
        expect(cache.delete(key)).toBe(order.includes(key));
        order = order.filter((k) => k !== key);
      } else if (op <= 2) {
        cache.set(key, i);
        order = [...order.filter((k) => k !== key), key].slice(-4);
      } else {
        const hit = cache.get(key) !== undefined;
        expect(hit).toBe(order.includes(key));
        if (hit) order = [...order.filter((k) => k !== key), key];
      }
      expect(cache.size).toBe(order.length);
    }
    for (const key of order) expect(cache.get(key)).toBeDefined();
  });
});
