import { serviceContext } from "../../http/context";
import { createRouter } from "../../http/router";
import { toIso } from "../../lib/time";
import { AccountIdParam } from "../../schemas/admin";
import { CostReportSchema, CostsQuery, EngineBreakerListSchema, EngineBreakerSchema, EngineParam } from "../../schemas/engines";
import { ADMIN_SECURITY, defineRoute } from "../../schemas/errors";
import { accountCosts } from "../../services/costs";
import { type EngineBreakerView, listEngineBreakers, resetEngineBreaker } from "../../services/engines";

const security = ADMIN_SECURITY;
const tags = ["Operator"];

const list = defineRoute({
  method: "get",
  path: "/engines",
  operationId: "adminListEngines",
  tags,
  security,
  summary: "Every engine's circuit breaker (closed, open or half-open)",
  responses: {
    200: { description: "The engines' breakers", content: { "application/json": { schema: EngineBreakerListSchema } } },
  },
  errors: [],
});

const reset = defineRoute({
  method: "post",
  path: "/engines/{engine}/reset",
  operationId: "adminResetEngine",
  tags,
  security,
  summary: "Close an engine's circuit breaker now (failures forgotten)",
  request: { params: EngineParam },
  responses: {
    200: { description: "The breaker, closed", content: { "application/json": { schema: EngineBreakerSchema } } },
  },
  errors: [],
});

const costs = defineRoute({
  method: "get",
  path: "/accounts/{accountId}/costs",
  operationId: "adminGetAccountCosts",
  tags,
  security,
  summary: "An account's upstream engine cost, credit revenue and margin per UTC day",
  request: { params: AccountIdParam, query: CostsQuery },
  responses: {
    200: { description: "Cost and margin per day, with totals", content: { "application/json": { schema: CostReportSchema } } },
  },
  errors: ["ACCOUNT_NOT_FOUND"],
});

export function presentBreaker(b: EngineBreakerView) {
  return { engine: b.engine, state: b.state, consecutiveFailures: b.consecutiveFailures, openedAt: toIso(b.openedAt), reopensAt: toIso(b.reopensAt) };
}

export const engineRoutes = createRouter()
  .openapi(list, async (c) => {
    const items = await listEngineBreakers(serviceContext(c));
    return c.json({ items: items.map(presentBreaker) }, 200);
  })
  .openapi(reset, async (c) => {
    return c.json(presentBreaker(await resetEngineBreaker(serviceContext(c), c.req.valid("param").engine)), 200);
  })
  .openapi(costs, async (c) => {
    return c.json(await accountCosts(serviceContext(c), c.req.valid("param").accountId, c.req.valid("query")), 200);
  });
