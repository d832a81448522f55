import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { ERROR_CATALOG, type ErrorCode } from "../../src/errors";
import { servedRoutes } from "../../src/http/route-table";
import { FASHN_BASE } from "../../src/routes/fashn";
import { enumCodes } from "../helpers/error-recorder";
import { call } from "../helpers/harness";

interface Operation {
  operationId?: string;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  webhooks: Record<string, Record<string, Operation>>;
}

/** Served, but not operations: static assets (Cloudflare serves them before the Worker). */
const NOT_OPERATIONS = ["GET /tryon/v1/docs/scalar.js", "GET /llms.txt", "GET /llms-full.txt"];

// Hono writes `/products/:externalId`, OpenAPI `/products/{externalId}`.
function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

async function fetchDoc(): Promise<Doc> {
  const res = await call("/tryon/v1/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
}

function operations(doc: Doc): Array<{ where: string; op: Operation }> {
  const out: Array<{ where: string; op: Operation }> = [];
  for (const [group, items] of [
    ["paths", doc.paths],
    ["webhooks", doc.webhooks],
  ] as const) {
    for (const [path, ops] of Object.entries(items))
      for (const [method, op] of Object.entries(ops)) out.push({ where: `${group} ${method.toUpperCase()} ${path}`, op });
  }
  return out;
}

describe("GET /tryon/v1/openapi.json", () => {
  it("serves OpenAPI 3.1 with every served route of the app, each with its error responses", async () => {
    const doc = await fetchDoc();
    expect(doc.openapi).toBe("3.1.0");
    createApp();
    const missing: string[] = [];
    for (const r of servedRoutes()) {
      // The dashboard's pages are a web app, not part of the API's contract (docs/dashboard.md).
      // The FASHN facade is FASHN's contract, documented in docs/fashn-compat.md, not Drape's document.
      if (NOT_OPERATIONS.includes(`${r.method} ${r.path}`) || r.path.startsWith("/dashboard") || r.path.startsWith(`${FASHN_BASE}/`)) continue;
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

  it("gives every operation (webhook events included) a unique camelCase verbNoun operationId; operator ones start with admin", async () => {
    const doc = await fetchDoc();
    const all = operations(doc);
    expect(all.length).toBeGreaterThan(40);
    const seen = new Map<string, string>();
    for (const { where, op } of all) {
      const id = op.operationId;
      expect(id, where).toMatch(/^[a-z]+[A-Z][A-Za-z]*$/);
      expect(seen.get(id as string), `${id} on ${where}`).toBeUndefined();
      seen.set(id as string, where);
      expect(id?.startsWith("admin"), where).toBe(where.includes(" /admin/v1/"));
    }
  });

  it("names each error response's possible codes as an enum, each code of that very status in the catalog", async () => {
    const doc = await fetchDoc();
    for (const { where, op } of operations(doc)) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const codes = enumCodes(response.content?.["application/json"]?.schema);
        expect(codes.length, `${where} ${status}`).toBeGreaterThan(0);
        for (const code of codes) expect(ERROR_CATALOG[code as ErrorCode]?.status, `${where} ${status} ${code}`).toBe(Number(status));
      }
    }
  });

  it("takes its version from package.json, the one version of the project", async () => {
    const doc = (await (await call("/tryon/v1/openapi.json")).json()) as { info: { version: string } };
    const pkg = await import("../../package.json");
    expect(doc.info.version).toBe(pkg.version);
  });

  it("serves an interactive reference at /tryon/v1/docs", async () => {
    const res = await call("/tryon/v1/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("/tryon/v1/openapi.json");
  });
});
