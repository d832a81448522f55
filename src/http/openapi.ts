import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { apiDocsPage, DOCS_SCRIPT_PATH } from "./api-docs";

const DOC_CONFIG: Parameters<OpenAPIHono<AppEnv>["getOpenAPI31Document"]>[0] = {
  openapi: "3.1.0",
  info: {
    title: "Drape try-on API",
    version: "1.0.0",
    description:
      "Virtual try-on as an API: upload a person photo, send a product, get a generation you can poll, hold, or receive by signed webhook. Genlook-compatible. Every non-2xx carries the error envelope; see GET /tryon/v1/errors.",
  },
  servers: [{ url: "/", description: "This deployment" }],
};

/** Registers security schemes and serves the document + the reference UI. The document is built lazily, once per isolate. */
export function mountOpenApi(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "ApiKeyHeader", { type: "apiKey", in: "header", name: "x-api-key" });
  app.openAPIRegistry.registerComponent("securitySchemes", "BearerAuth", { type: "http", scheme: "bearer", description: "The API key as a bearer token." });
  app.openAPIRegistry.registerComponent("securitySchemes", "AdminToken", {
    type: "http",
    scheme: "bearer",
    description: "Operator routes: the ADMIN_TOKEN secret.",
  });

  let cached: unknown;
  app.get("/tryon/v1/openapi.json", (c) => {
    cached ??= app.getOpenAPI31Document(DOC_CONFIG);
    return c.json(cached as Record<string, unknown>);
  });
  app.get("/tryon/v1/docs", apiDocsPage);
  // Cloudflare answers this path from static assets before the Worker runs; this covers runs
  // where the Worker comes first (the test pool), with the same bytes from the same binding.
  app.get(DOCS_SCRIPT_PATH, async (c) => {
    const asset = await c.env.ASSETS.fetch(new URL(DOCS_SCRIPT_PATH, c.req.url));
    return new Response(asset.body, asset); // a mutable copy: middleware adds x-request-id
  });
}
