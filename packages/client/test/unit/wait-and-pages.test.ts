import { describe, expect, it } from "vitest";
import { Drape, DrapeError } from "../../src/index.js";
import { BASE, fakeFetch, json } from "../helpers.js";

const gen = (status: string) => ({ generationId: "gen_1", status, productExternalId: "p", createdAt: "x", updatedAt: "x" });

describe("generations.waitFor", () => {
  it("polls with growing pauses until the generation is finished, and returns it", async () => {
    const f = fakeFetch([json(200, gen("PENDING")), json(200, gen("PROCESSING")), json(200, gen("PROCESSING")), json(200, gen("COMPLETED"))]);
    const drape = new Drape({ apiKey: "dr_live_x", baseUrl: BASE, fetch: f.fetch });
    const started = Date.now();
    const done = await drape.generations.waitFor({ generationId: "gen_1" }, { pollIntervalMs: 20, maxPollIntervalMs: 30 });
    expect(done.status).toBe("COMPLETED");
    expect(f.requests.map((r) => new URL(r.url).pathname)).toEqual(Array(4).fill("/tryon/v1/generations/gen_1"));
    expect(Date.now() - started).toBeGreaterThanOrEqual(20 + 30 + 30 - 5);
  });

  it("returns a FAILED generation rather than throwing", async () => {
    const f = fakeFetch([json(200, { ...gen("FAILED"), errorCode: "NSFW_CONTENT_BLOCKED", retryable: false })]);
    const drape = new Drape({ apiKey: "dr_live_x", baseUrl: BASE, fetch: f.fetch });
    expect(await drape.generations.waitFor("gen_1")).toMatchObject({ status: "FAILED", errorCode: "NSFW_CONTENT_BLOCKED" });
  });

  it("throws TIMEOUT with the last generation seen when the timeout passes, and the signal's reason on abort", async () => {
    const f = fakeFetch([json(200, gen("PROCESSING"))]);
    const drape = new Drape({ apiKey: "dr_live_x", baseUrl: BASE, fetch: f.fetch });
    const err = (await drape.generations.waitFor("gen_1", { timeout: 60, pollIntervalMs: 10 }).catch((e: unknown) => e)) as DrapeError;
    expect(err).toBeInstanceOf(DrapeError);
    expect(err).toMatchObject({ code: "TIMEOUT", status: 0, retryable: true, details: { generationId: "gen_1", status: "PROCESSING" } });

    const controller = new AbortController();
    const waiting = drape.generations.waitFor("gen_1", { timeout: 60_000, pollIntervalMs: 50, signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop waiting")), 30);
    await expect(waiting).rejects.toThrow("stop waiting");
  });
});

describe("tryOn.run", () => {
  it("holds on POST /try-on/sync (wait bounded by the timeout, at most 90 s), then polls when it answers 202", async () => {
    const f = fakeFetch([json(202, { generationId: "gen_1", status: "PENDING", productExternalId: "p" }), json(200, gen("COMPLETED"))]);
    const drape = new Drape({ apiKey: "dr_live_x", baseUrl: BASE, fetch: f.fetch });
    const body = { products: [{ externalId: "p" }], person: { image: { source: { id: "img_1" } } } };
    expect((await drape.tryOn.run(body, { timeout: 300_000 })).status).toBe("COMPLETED");
    expect(f.requests[0]?.url).toBe(`${BASE}/tryon/v1/try-on/sync?wait=90`);
    expect(f.requests[1]?.url).toBe(`${BASE}/tryon/v1/generations/gen_1`);

    const g = fakeFetch([json(200, gen("COMPLETED"))]);
    await new Drape({ apiKey: "dr_live_x", baseUrl: BASE, fetch: g.fetch }).tryOn.run(body, { timeout: 30_000 });
    expect(g.requests[0]?.url).toBe(`${BASE}/tryon/v1/try-on/sync?wait=30`);
    expect(g.requests).toHaveLength(1);
  });
});

describe("cursor iterators", () => {
  it("for await walks every page, sending each nextCursor back unchanged, and fetches nothing before the loop", async () => {
    const page = (ids: string[], nextCursor: string | null) =>
      json(200, { items: ids.map((id) => ({ externalId: id })), nextCursor, hasMore: nextCursor !== null, count: ids.length });
    const f = fakeFetch([page(["a", "b"], "c1"), page(["c"], "c2"), page([], null)]);
    const drape = new Drape({ apiKey: "dr_live_x", baseUrl: BASE, fetch: f.fetch });
    const list = drape.products.list({ limit: 2 });
    expect(f.requests).toHaveLength(0);
    const seen: string[] = [];
    for await (const p of list) seen.push(p.externalId);
    expect(seen).toEqual(["a", "b", "c"]);
    expect(f.requests.map((r) => new URL(r.url).search)).toEqual(["?limit=2", "?limit=2&cursor=c1", "?limit=2&cursor=c2"]);
  });

  it("toArray stops fetching at max", async () => {
    const page = (n: number) => json(200, { items: [{ generationId: `g${n}` }], nextCursor: `c${n}`, hasMore: true, count: 1 });
    const f = fakeFetch([page(1), page(2), page(3)]);
    const drape = new Drape({ apiKey: "dr_live_x", baseUrl: BASE, fetch: f.fetch });
    expect(await drape.generations.list({ status: "COMPLETED" }).toArray(2)).toHaveLength(2);
    expect(f.requests).toHaveLength(2);
  });
});
