import { createRoute } from "@hono/zod-openapi";
import { createRouter } from "../http/router";
import { now } from "../lib/clock";
import { errorResponses } from "../schemas/common";
import { HealthSchema } from "../schemas/meta";

const health = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["Meta"],
  summary: "Liveness: answers without touching storage",
  responses: {
    200: { description: "Alive", content: { "application/json": { schema: HealthSchema } } },
    ...errorResponses([], { authenticated: false }),
  },
});

export const healthRoutes = createRouter().openapi(health, (c) => c.json({ status: "ok" as const, time: new Date(now()).toISOString() }, 200));
