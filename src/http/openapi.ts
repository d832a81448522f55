import type { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import type { AppEnv } from "../env";

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

/** Registers security schemes and serves the document + Scalar reference. The document is built lazily, once per isolate. */
export function mountOpenApi(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "ApiKeyHeader", { type: "apiKey", in: "header", name: "x-api-key" });
  app.openAPIRegistry.registerComponent("securitySchemes", "BearerAuth", { type: "http", scheme: "bearer", description: "The API key as a bearer token." });
  app.openAPIRegistry.registerComponent("securitySchemes", "AdminToken", { type: "http", scheme: "bearer", description: "Operator routes: the ADMIN_TOKEN secret." });

  let cached: unknown;
  app.get("/tryon/v1/openapi.json", (c) => {
    cached ??= app.getOpenAPI31Document(DOC_CONFIG);
    return c.json(cached as Record<string, unknown>);
  });
  app.get("/tryon/v1/docs", Scalar({ url: "/tryon/v1/openapi.json", pageTitle: "Drape API reference" }));
}
