import { describe, expect, it } from "vitest";
import { BASE, call } from "../helpers/harness";

// The reference UI must work offline and run no third-party script on the API's origin:
// the page names only its own origin, and the script it loads is served by this deployment.
describe("GET /tryon/v1/docs (offline API reference)", () => {
  it("references no origin but its own, and forbids scripts from anywhere else", async () => {
    const res = await call("/tryon/v1/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    const origins = [...html.matchAll(/(?:https?:)?\/\/[a-z0-9.-]+(?::\d+)?/gi)].map((m) => m[0]);
    expect(origins.filter((o) => !o.startsWith(BASE))).toEqual([]);
    expect(html).not.toMatch(/cdn\.jsdelivr|unpkg|scalar\.com/i);
    // No inline script: every <script> either loads from this origin or is a JSON data block.
    for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) {
      expect(tag).toMatch(/\bsrc="\/[^/]|type="application\/json"/);
    }
    expect(html).toContain('data-url="/tryon/v1/openapi.json"');
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*(unsafe-inline|https?:)/);
  });

  it("the script it references answers 200 with JavaScript from this deployment", async () => {
    const html = await (await call("/tryon/v1/docs")).text();
    const src = /<script\b[^>]*\bsrc="([^"]+)"/.exec(html)?.[1];
    expect(src).toBe("/tryon/v1/docs/scalar.js");
    const res = await call(src ?? "");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/javascript/);
    const js = await res.text();
    expect(js.length).toBeGreaterThan(100_000);
    // It is Scalar's standalone build: it mounts from the #api-reference element the page provides.
    expect(js).toContain("api-reference");
    expect(js).toContain("data-configuration");
  });
});
