import { createRoute } from "@hono/zod-openapi";
import { serviceContext } from "../../http/context";
import { createRouter } from "../../http/router";
import { AtRestKeyStatusSchema, ResealBody, ResealResultSchema } from "../../schemas/at-rest-key";
import { ADMIN_SECURITY, errorResponses } from "../../schemas/common";
import * as reseal from "../../services/at-rest";

const security = ADMIN_SECURITY;
const tags = ["Operator"];

const status = createRoute({
  method: "get",
  path: "/at-rest-key",
  tags,
  security,
  summary: "At-rest key ids in use, and how many webhook secrets are still sealed under a previous key",
  responses: {
    200: { description: "Key status", content: { "application/json": { schema: AtRestKeyStatusSchema } } },
    ...errorResponses([], { authenticated: false }),
  },
});

const resealBatch = createRoute({
  method: "post",
  path: "/at-rest-key/reseal",
  tags,
  security,
  summary: "Re-seal a batch of webhook secrets under the current at-rest key (call until nextCursor is null)",
  request: { body: { required: false, content: { "application/json": { schema: ResealBody } } } },
  responses: {
    200: { description: "The batch result and the new status", content: { "application/json": { schema: ResealResultSchema } } },
    ...errorResponses(["VALIDATION_FAILED", "UNSUPPORTED_MEDIA_TYPE"], { authenticated: false }),
  },
});

export const atRestKeyRoutes = createRouter()
  .openapi(status, async (c) => c.json(await reseal.atRestKeyStatus(serviceContext(c)), 200))
  .openapi(resealBatch, async (c) => {
    // The body is optional: without one the validator does not run, so its defaults apply here.
    const body = (c.req.valid("json") as { limit?: number; cursor?: string } | undefined) ?? {};
    return c.json(await reseal.resealWebhookSecrets(serviceContext(c), { limit: body.limit ?? 100, cursor: body.cursor }), 200);
  });
