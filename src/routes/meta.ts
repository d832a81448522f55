import { ApiError, ERROR_CATALOG, ERROR_CODES, type ErrorCode, errorDocUrl } from "../errors";
import { ERROR_PAGE_CSP, errorPageHtml } from "../http/error-page";
import { createRouter } from "../http/router";
import { apiPath } from "../lib/api-paths";
import { defineRoute } from "../schemas/errors";
import { CatalogEntrySchema, ErrorCatalogSchema, ErrorCodeParamSchema } from "../schemas/meta";

const tags = ["Meta"];
const CACHE = "public, max-age=300";

const list = defineRoute({
  method: "get",
  path: "/errors",
  operationId: "listErrorCodes",
  tags,
  summary: "The error catalog: every code, its HTTP status, whether to retry, what it means and what to do",
  responses: {
    200: { description: "The catalog", content: { "application/json": { schema: ErrorCatalogSchema } } },
  },
  errors: [],
});

const getOne = defineRoute({
  method: "get",
  path: "/errors/{code}",
  operationId: "getErrorCode",
  tags,
  summary: "One error code: where every error envelope's `docUrl` points",
  description:
    "JSON by default; an HTML page when the client prefers `text/html` (a browser following a `docUrl`). The same text is in docs/errors.md. Readable in maintenance mode.",
  request: { params: ErrorCodeParamSchema },
  responses: {
    200: {
      description: "The catalog entry",
      content: { "application/json": { schema: CatalogEntrySchema }, "text/html": { schema: { type: "string" } } },
    },
  },
  errors: ["ROUTE_NOT_FOUND"],
});

function entry(code: ErrorCode, origin: string) {
  return { code, ...ERROR_CATALOG[code], docUrl: errorDocUrl(code, origin) };
}

/** True when the client ranks text/html above JSON (browsers do; API clients send JSON or nothing). */
function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const rank = (type: string) => {
    const item = accept
      .split(",")
      .map((s) => s.trim().split(";"))
      .find(([t]) => t?.trim().toLowerCase() === type);
    if (!item) return -1;
    const q = item.slice(1).find((p) => p.trim().startsWith("q="));
    return q ? Number(q.trim().slice(2)) || 0 : 1;
  };
  return rank("text/html") > Math.max(rank("application/json"), 0);
}

export const metaRoutes = createRouter()
  .openapi(list, (c) => {
    const origin = new URL(c.req.url).origin;
    c.header("cache-control", CACHE);
    return c.json({ errors: ERROR_CODES.map((code) => entry(code, origin)) }, 200);
  })
  .openapi(getOne, (c) => {
    const asked = c.req.valid("param").code.toUpperCase();
    const code = ERROR_CODES.find((k) => k === asked);
    if (!code) throw new ApiError("ROUTE_NOT_FOUND", `There is no error code ${asked}; GET ${apiPath("/errors")} lists them all.`);
    c.header("cache-control", CACHE);
    c.header("vary", "accept");
    if (prefersHtml(c.req.header("accept"))) {
      return c.html(errorPageHtml(code), 200, { "content-security-policy": ERROR_PAGE_CSP, "x-content-type-options": "nosniff" });
    }
    return c.json(entry(code, new URL(c.req.url).origin), 200);
  });
