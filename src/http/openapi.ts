import { type OpenAPIHono, z } from "@hono/zod-openapi";
// The one version: package.json's, bundled at build time (only this field is kept by the bundler).
import { version } from "../../package.json";
import type { AppEnv } from "../env";
import { apiPath } from "../lib/api-paths";
import { defineRoute } from "../schemas/errors";
import { apiDocsPage, DOCS_PATH, DOCS_SCRIPT_PATH, OPENAPI_PATH } from "./api-docs";

const DOC_CONFIG: Parameters<OpenAPIHono<AppEnv>["getOpenAPI31Document"]>[0] = {
  openapi: "3.1.0",
  info: {
    title: "Drape try-on API",
    version,
    description: `Virtual try-on as an API: upload a person photo, send a product, get a generation you can poll, hold, or receive by signed webhook. Genlook-compatible. Every non-2xx carries the error envelope, whose \`docUrl\` documents its code; GET ${apiPath("/errors")} lists them all.`,
  },
  servers: [{ url: "/", description: "This deployment" }],
};

/** The OpenAPI 3.1 document of `app` (what GET /tryon/v1/openapi.json serves). */
export function openApiDocument(app: OpenAPIHono<AppEnv>): ReturnType<OpenAPIHono<AppEnv>["getOpenAPI31Document"]> {
  return app.getOpenAPI31Document(DOC_CONFIG);
}

const documentRoute = defineRoute({
  method: "get",
  path: OPENAPI_PATH,
  operationId: "getOpenApiDocument",
  tags: ["Meta"],
  summary: "This document (OpenAPI 3.1), generated from the same schemas that validate requests",
  responses: { 200: { description: "The document", content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } } },
  errors: [],
});

const referenceRoute = defineRoute({
  method: "get",
  path: DOCS_PATH,
  operationId: "getApiReference",
  tags: ["Meta"],
  summary: "The interactive API reference (HTML, served from this origin)",
  responses: { 200: { description: "The page", content: { "text/html": { schema: z.string() } } } },
  errors: [],
});

/**
 * Registers security schemes and serves the document + the reference UI. The
 * document is built lazily, once per isolate. Both are documented operations;
 * the reference's script is a static asset, not an operation.
 */
export function mountOpenApi(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(documentRoute);
  app.openAPIRegistry.registerPath(referenceRoute);
  app.openAPIRegistry.registerComponent("securitySchemes", "ApiKeyHeader", { type: "apiKey", in: "header", name: "x-api-key" });
  app.openAPIRegistry.registerComponent("securitySchemes", "BearerAuth", { type: "http", scheme: "bearer", description: "The API key as a bearer token." });
  app.openAPIRegistry.registerComponent("securitySchemes", "AdminToken", {
    type: "http",
    scheme: "bearer",
    description: "Operator routes: the ADMIN_TOKEN secret.",
  });

  let cached: unknown;
  app.get(OPENAPI_PATH, (c) => {
    cached ??= openApiDocument(app);
    return c.json(cached as Record<string, unknown>);
  });
  app.get(DOCS_PATH, apiDocsPage);
  // Cloudflare answers this path from static assets before the Worker runs; this covers runs
  // where the Worker comes first (the test pool), with the same bytes from the same binding.
  app.get(DOCS_SCRIPT_PATH, async (c) => {
    const asset = await c.env.ASSETS.fetch(new URL(DOCS_SCRIPT_PATH, c.req.url));
    return new Response(asset.body, asset); // a mutable copy: middleware adds x-request-id
  });
}
