import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { call } from "../helpers/harness";

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
}

// Hono writes `/products/:externalId`, OpenAPI `/products/{externalId}`.
function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

describe("GET /tryon/v1/openapi.json", () => {
  it("serves OpenAPI 3.1 with every route of the app, each with its error responses", async () => {
    const res = await call("/tryon/v1/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Doc;
    expect(doc.openapi).toBe("3.1.0");
    const undocumented = ["/tryon/v1/openapi.json", "/tryon/v1/docs", "/tryon/v1/docs/scalar.js"];
    const missing: string[] = [];
    for (const r of createApp().routes) {
      // The dashboard's pages are a web app, not part of the API's contract (docs/dashboard.md).
      if (r.method === "ALL" || undocumented.includes(r.path) || r.path.startsWith("/dashboard")) continue;
      // A wildcard route (`/files/*`) is documented with one named path parameter (`/files/{key}`).
      const docPath = r.path.endsWith("/*")
        ? Object.keys(doc.paths).find((p) => p.startsWith(r.path.slice(0, -1)) && /^\{[^/]+\}$/.test(p.slice(r.path.length - 1)))
        : toOpenApiPath(r.path);
      const op = docPath ? doc.paths[docPath]?.[r.method.toLowerCase()] : undefined;
      if (!op) missing.push(`${r.method} ${r.path}`);
      else expect(Object.keys(op.responses)).toContain("500");
    }
    expect(missing).toEqual([]);
  });

  it("serves an interactive reference at /tryon/v1/docs", async () => {
    const res = await call("/tryon/v1/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("/tryon/v1/openapi.json");
  });
});
