import { createRoute } from "@hono/zod-openapi";
import { ERROR_CATALOG, ERROR_CODES } from "../errors";
import { createRouter } from "../http/router";
import { errorResponses } from "../schemas/common";
import { ErrorCatalogSchema } from "../schemas/meta";

const errors = createRoute({
  method: "get",
  path: "/errors",
  tags: ["Meta"],
  summary: "The error catalog: every code, its HTTP status, whether to retry, and what it means",
  responses: {
    200: { description: "The catalog", content: { "application/json": { schema: ErrorCatalogSchema } } },
    ...errorResponses([], { authenticated: false }),
  },
});

export const metaRoutes = createRouter().openapi(errors, (c) => {
  c.header("cache-control", "public, max-age=300");
  return c.json({ errors: ERROR_CODES.map((code) => ({ code, ...ERROR_CATALOG[code] })) }, 200);
});
