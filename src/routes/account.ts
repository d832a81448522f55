import { createRoute } from "@hono/zod-openapi";
import { effectiveBurst } from "../config";
import { authOf, serviceContext } from "../http/context";
import { createRouter } from "../http/router";
import * as accounts from "../services/accounts";
import { AccountViewSchema } from "../schemas/account";
import { API_KEY_SECURITY, errorResponses } from "../schemas/common";

const security = API_KEY_SECURITY;

const getAccount = createRoute({
  method: "get",
  path: "/account",
  tags: ["Account"],
  security,
  summary: "The calling account: limits and retention",
  responses: {
    200: { description: "The account", content: { "application/json": { schema: AccountViewSchema } } },
    ...errorResponses([]),
  },
});

export const accountRoutes = createRouter().openapi(getAccount, async (c) => {
  const auth = authOf(c);
  const cfg = c.get("config");
  const account = await accounts.getAccount(serviceContext(c), auth.accountId);
  return c.json(
    {
      accountId: account.id,
      name: account.name,
      keyId: auth.keyId,
      rateLimit: {
        perMinute: auth.rateLimitPerMinute ?? cfg.RATE_LIMIT_PER_MINUTE,
        burst: auth.rateLimitBurst ?? auth.rateLimitPerMinute ?? effectiveBurst(cfg),
      },
      retentionDays: account.retentionDays,
    },
    200,
  );
});
