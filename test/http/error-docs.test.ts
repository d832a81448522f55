import { describe, expect, it, vi } from "vitest";
import { ERROR_CATALOG, ERROR_CODES } from "../../src/errors";
import { CatalogEntrySchema, ErrorCatalogSchema } from "../../src/schemas/meta";
import { routeOf, undeclaredAnswers } from "../helpers/error-recorder";
import { BASE, call, expectEnvelope, expectOk } from "../helpers/harness";

describe("error documentation: every envelope's docUrl is served by the Worker", () => {
  it("an envelope's docUrl is absolute on the origin called, and answers that code's catalog entry", async () => {
    const env = await expectEnvelope(await call("/tryon/v1/account"), 401, "MISSING_API_KEY");
    expect(env.docUrl).toBe(`${BASE}/tryon/v1/errors/MISSING_API_KEY`);
    const entry = await expectOk(await call(new URL(env.docUrl).pathname), CatalogEntrySchema);
    expect(entry).toEqual({ code: "MISSING_API_KEY", ...ERROR_CATALOG.MISSING_API_KEY, docUrl: env.docUrl });
    expect(entry.action.length).toBeGreaterThan(10);

    // Also for the answers no route gives: 404 and 405.
    const notFound = await expectEnvelope(await call("/tryon/v1/nope"), 404, "ROUTE_NOT_FOUND");
    expect(notFound.docUrl).toBe(`${BASE}/tryon/v1/errors/ROUTE_NOT_FOUND`);
  });

  it("GET /tryon/v1/errors lists every code with its action and docUrl", async () => {
    const { errors } = await expectOk(await call("/tryon/v1/errors"), ErrorCatalogSchema);
    expect(errors.map((e) => e.code)).toEqual(ERROR_CODES);
    for (const e of errors) {
      expect(e.docUrl).toBe(`${BASE}/tryon/v1/errors/${e.code}`);
      expect(e.action.trim().length, e.code).toBeGreaterThan(10);
    }
  });

  it("takes the code in any case; an unknown code is 404 ROUTE_NOT_FOUND", async () => {
    const entry = await expectOk(await call("/tryon/v1/errors/rate_limited"), CatalogEntrySchema);
    expect(entry.code).toBe("RATE_LIMITED");
    await expectEnvelope(await call("/tryon/v1/errors/NOT_A_CODE"), 404, "ROUTE_NOT_FOUND");
  });

  it("a browser gets a self-contained HTML page (escaped, no script)", async () => {
    const res = await call("/tryon/v1/errors/FILE_TOO_LARGE", { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("vary")).toMatch(/accept/i);
    const html = await res.text();
    expect(html).toContain("<h1><code>FILE_TOO_LARGE</code></h1>");
    expect(html).toContain("413");
    expect(html).not.toMatch(/<script/i);
    // A JSON client asking for JSON first gets JSON.
    const json = await call("/tryon/v1/errors/FILE_TOO_LARGE", { headers: { accept: "application/json, text/html;q=0.5" } });
    expect(json.headers.get("content-type")).toContain("application/json");
  });
});

describe("the check that every answered code is declared (test/helpers/error-recorder.ts)", () => {
  it("finds the route Hono runs: the first endpoint registered, not a later pattern that also matches", () => {
    expect(routeOf("GET", `${BASE}/tryon/v1/webhooks/default-secret`)).toBe("/tryon/v1/webhooks/default-secret");
    expect(routeOf("GET", `${BASE}/tryon/v1/webhooks/whe_x`)).toBe("/tryon/v1/webhooks/:id");
    expect(routeOf("HEAD", `${BASE}/tryon/v1/files/r1d/a/b.jpg`)).toBe("/tryon/v1/files/*");
    expect(routeOf("GET", `${BASE}/tryon/v1/nope`)).toBeNull();
  });

  it("flags a code the route does not declare, a route the document lacks, and an answer that is not an envelope", () => {
    const base = { method: "GET", status: 404, example: "GET …" };
    expect(undeclaredAnswers([{ ...base, route: "/tryon/v1/generations/:id", code: "GENERATION_NOT_FOUND" }])).toEqual([]);
    const problems = undeclaredAnswers([
      { ...base, route: "/tryon/v1/account", code: "PRODUCT_NOT_FOUND" },
      { ...base, route: "/tryon/v1/not-documented", code: "ROUTE_NOT_FOUND" },
      { ...base, route: "/tryon/v1/generations/:id", code: "(not an envelope: <html>)" },
    ]);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain("GET /tryon/v1/account answered 404 PRODUCT_NOT_FOUND");
  });

  it("the access log names the route that answered, not a later pattern that also matches", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((l: string) => void lines.push(l));
    await call("/tryon/v1/webhooks/default-secret");
    spy.mockRestore();
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; route: string }).find((l) => l.msg === "request");
    expect(logged?.route).toBe("/tryon/v1/webhooks/default-secret");
  });
});
