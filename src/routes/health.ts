import { createRouter } from "../http/router";
import { now } from "../lib/clock";
import { defineRoute } from "../schemas/errors";
import { HealthSchema } from "../schemas/meta";

const health = defineRoute({
  method: "get",
  path: "/healthz",
  operationId: "getHealth",
  tags: ["Meta"],
  summary: "Liveness: answers without touching storage",
  responses: {
    200: { description: "Alive", content: { "application/json": { schema: HealthSchema } } },
  },
  errors: [],
});

export const healthRoutes = createRouter().openapi(health, (c) => c.json({ status: "ok" as const, time: new Date(now()).toISOString() }, 200));
