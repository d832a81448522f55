import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { ADMIN_TOKEN, call, createAccount } from "../helpers/harness";

// A small seeded PRNG so a failure can be replayed exactly.
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const CONTENT_TYPES = ["application/json", "text/plain", "multipart/form-data; boundary=xyz", "application/x-www-form-urlencoded", "application/json; charset=utf-16", "", "image/png", "application/json;;;"];

function deepNest(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

function body(rand: () => number): BodyInit | undefined {
  switch (Math.floor(rand() * 9)) {
    case 0:
      return undefined;
    case 1:
      return crypto.getRandomValues(new Uint8Array(Math.floor(rand() * 2048)));
    case 2:
      return JSON.stringify({ products: 5, person: { image: { source: { url: 42 } } }, externalId: null, limit: "x" });
    case 3:
      return deepNest(2000 + Math.floor(rand() * 3000));
    case 4:
      return JSON.stringify({ name: "x".repeat(200_000), externalId: "y".repeat(100_000) });
    case 5:
      return "{\"a\":";
    case 6:
      return JSON.stringify([1, 2, 3]);
    case 7:
      return "--xyz\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n{bad\r\n--xyz--\r\n";
    default:
      return JSON.stringify({ images: [{}], imageUrls: "nope", validForDays: -1, metadata: { a: "\u0000\ud800" } });
  }
}

function fillPath(path: string, rand: () => number): string {
  const junk = ["x", "..", "%2e%2e", "gen_" + "A".repeat(24), "%00", "a".repeat(300), "_anon_1", "ü"];
  return path.replace(/:[A-Za-z0-9_]+/g, () => junk[Math.floor(rand() * junk.length)] ?? "x").replace(/\*$/, "a/../b");
}

describe("fuzz: malformed requests never produce a 5xx", () => {
  it.each([20261125, 7, 424242, 99])("hundreds of random requests to every route answer with the envelope (seed %i)", async (seed) => {
    const acct = await createAccount();
    const rand = prng(seed);
    const routes = createApp().routes.filter((r) => r.method !== "ALL");
    const failures: string[] = [];
    for (let i = 0; i < 300; i++) {
      const route = routes[Math.floor(rand() * routes.length)];
      if (!route) continue;
      const method = rand() < 0.7 ? route.method : (METHODS[Math.floor(rand() * METHODS.length)] ?? "GET");
      const headers = new Headers();
      const ct = CONTENT_TYPES[Math.floor(rand() * CONTENT_TYPES.length)] ?? "";
      if (ct) headers.set("content-type", ct);
      const who = rand();
      if (who < 0.45) headers.set("x-api-key", acct.key);
      else if (who < 0.7) headers.set("authorization", `Bearer ${ADMIN_TOKEN}`);
      else if (who < 0.8) headers.set("x-api-key", "dr_live_" + "!\"#$%".repeat(7));
      if (rand() < 0.2) headers.set("idempotency-key", "k".repeat(Math.floor(rand() * 400)));
      if (rand() < 0.1) headers.set("x-request-id", "\t".repeat(3));
      const path = fillPath(route.path, rand) + (rand() < 0.3 ? "?limit=-5&cursor=%ZZ&wait=1e99&from=yesterday" : "");
      const hasBody = method !== "GET" && method !== "HEAD";
      const res = await call(path, { method, headers, body: hasBody ? body(rand) : undefined });
      const text = await res.text();
      if (res.status >= 500 && res.status !== 503) failures.push(`${method} ${path} → ${res.status} ${text.slice(0, 200)}`);
      if (res.status >= 400) {
        let parsed: { code?: unknown; status?: unknown; requestId?: unknown } = {};
        try {
          parsed = JSON.parse(text) as typeof parsed;
        } catch {
          failures.push(`${method} ${path} → ${res.status} non-JSON error body`);
          continue;
        }
        if (typeof parsed.code !== "string" || parsed.status !== res.status || parsed.requestId !== res.headers.get("x-request-id")) {
          failures.push(`${method} ${path} → ${res.status} bad envelope ${text.slice(0, 200)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
