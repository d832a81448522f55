import { serviceContext } from "../../http/context";
import { createRouter } from "../../http/router";
import { AtRestKeyStatusSchema, ResealBody, ResealResultSchema } from "../../schemas/at-rest-key";
import { ADMIN_SECURITY, defineRoute } from "../../schemas/errors";
import * as reseal from "../../services/at-rest";

const security = ADMIN_SECURITY;
const tags = ["Operator"];

const status = defineRoute({
  method: "get",
  path: "/at-rest-key",
  operationId: "adminGetAtRestKeyStatus",
  tags,
  security,
  summary: "At-rest key ids in use, and how many webhook secrets are still sealed under a previous key",
  responses: {
    200: { description: "Key status", content: { "application/json": { schema: AtRestKeyStatusSchema } } },
  },
  errors: [],
});

const resealBatch = defineRoute({
  method: "post",
  path: "/at-rest-key/reseal",
  operationId: "adminResealAtRestKey",
  tags,
  security,
  summary: "Re-seal a batch of webhook secrets under the current at-rest key (call until nextCursor is null)",
  request: { body: { required: false, content: { "application/json": { schema: ResealBody } } } },
  responses: {
    200: { description: "The batch result and the new status", content: { "application/json": { schema: ResealResultSchema } } },
  },
  errors: [],
});

export const atRestKeyRoutes = createRouter()
  .openapi(status, async (c) => c.json(await reseal.atRestKeyStatus(serviceContext(c)), 200))
  .openapi(resealBatch, async (c) => {
    // The body is optional: without one the validator does not run, so its defaults apply here.
    const body = (c.req.valid("json") as { limit?: number; cursor?: string } | undefined) ?? {};
    return c.json(await reseal.resealWebhookSecrets(serviceContext(c), { limit: body.limit ?? 100, cursor: body.cursor }), 200);
  });
