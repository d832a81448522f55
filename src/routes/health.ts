import { serviceContext } from "../http/context";
import { createRouter } from "../http/router";
import { now } from "../lib/clock";
import { defineRoute } from "../schemas/errors";
import { HealthSchema } from "../schemas/meta";
import { listEngineBreakers } from "../services/engines";
import { presentBreaker } from "./admin/engines";

const health = defineRoute({
  method: "get",
  path: "/healthz",
  operationId: "getHealth",
  tags: ["Meta"],
  summary: "Liveness: answers without touching storage",
  description:
    "`?deep=1` adds each engine's circuit breaker (`engines`: closed, open or half-open), read from the breakers' Durable Objects. Without it the route touches nothing (the query is read by hand, not validated, so plain liveness stays as cheap as it was).",
  responses: {
    200: { description: "Alive", content: { "application/json": { schema: HealthSchema } } },
  },
  errors: [],
});

// Plain liveness stays synchronous: only `?deep=1` awaits anything.
export const healthRoutes = createRouter().openapi(health, (c) => {
  const time = new Date(now()).toISOString();
  if (c.req.query("deep") !== "1") return c.json({ status: "ok" as const, time }, 200);
  return listEngineBreakers(serviceContext(c)).then((breakers) => c.json({ status: "ok" as const, time, engines: breakers.map(presentBreaker) }, 200));
});
