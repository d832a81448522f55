import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";

/**
 * The API for language models (https://llmstxt.org): `/llms.txt`, an index, and `/llms-full.txt`,
 * every integrator guide, operation and schema in one Markdown file. Both are generated from
 * docs/openapi.json and docs/ (`npm run gen:llms`) and shipped as static assets
 * (scripts/build-assets.mjs), which Cloudflare answers before the Worker runs.
 */
export const LLMS_PATHS = ["/llms.txt", "/llms-full.txt"] as const;

/** Serves the same bytes where the Worker runs first (the test pool), from the same binding. */
export function mountLlms(app: OpenAPIHono<AppEnv>): void {
  for (const path of LLMS_PATHS) {
    app.get(path, async (c) => {
      const asset = await c.env.ASSETS.fetch(new URL(path, c.req.url));
      return new Response(asset.body, asset); // a mutable copy: middleware adds x-request-id
    });
  }
}
