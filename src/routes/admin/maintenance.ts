import { serviceContext } from "../../http/context";
import { createRouter } from "../../http/router";
import { API_BASE } from "../../lib/api-paths";
import { toIso } from "../../lib/time";
import { MaintenanceBody, MaintenanceSchema } from "../../schemas/credits";
import { ADMIN_SECURITY, defineRoute } from "../../schemas/errors";
import * as maintenance from "../../services/maintenance";

const security = ADMIN_SECURITY;
const tags = ["Operator"];

const put = defineRoute({
  method: "put",
  path: "/maintenance",
  operationId: "adminSetMaintenance",
  tags,
  security,
  summary: `Turn maintenance mode on or off (every ${API_BASE} route but the documentation answers 503 + Retry-After; reaches all isolates within 10 s)`,
  request: { body: { required: true, content: { "application/json": { schema: MaintenanceBody } } } },
  responses: {
    200: { description: "The new state", content: { "application/json": { schema: MaintenanceSchema } } },
  },
  errors: [],
});

const get = defineRoute({
  method: "get",
  path: "/maintenance",
  operationId: "adminGetMaintenance",
  tags,
  security,
  summary: "Maintenance mode state",
  responses: {
    200: { description: "The current state", content: { "application/json": { schema: MaintenanceSchema } } },
  },
  errors: [],
});

function present(m: maintenance.MaintenanceState) {
  return { enabled: m.enabled, retryAfterSeconds: m.retryAfterSeconds, source: m.source, updatedAt: toIso(m.updatedAt) };
}

export const maintenanceRoutes = createRouter()
  .openapi(put, async (c) => c.json(present(await maintenance.setMaintenance(serviceContext(c), c.req.valid("json"))), 200))
  .openapi(get, async (c) => c.json(present(await maintenance.getMaintenance(serviceContext(c))), 200));
