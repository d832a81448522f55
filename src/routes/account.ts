import { authOf, serviceContext } from "../http/context";
import { createRouter } from "../http/router";
import { liveAccountIdOf } from "../lib/modes";
import { AccountViewSchema } from "../schemas/account";
import { CreditBalanceSchema } from "../schemas/credits";
import { API_KEY_SECURITY, defineRoute } from "../schemas/errors";
import * as accounts from "../services/accounts";
import { rateLimitOf } from "../services/admission";
import { getCreditSummary } from "../services/credits";

const security = API_KEY_SECURITY;

const getAccount = defineRoute({
  method: "get",
  path: "/account",
  operationId: "getAccount",
  tags: ["Account"],
  security,
  summary: "The calling account: limits, retention, credits and usage today",
  responses: {
    200: { description: "The account", content: { "application/json": { schema: AccountViewSchema } } },
  },
  errors: [],
});

const getCredits = defineRoute({
  method: "get",
  path: "/account/credits",
  operationId: "getCreditBalance",
  tags: ["Account"],
  security,
  summary: "The account's credit balance (free: no credit is spent reading it)",
  responses: {
    200: { description: "Balance", content: { "application/json": { schema: CreditBalanceSchema } } },
  },
  errors: [],
});

export const accountRoutes = createRouter()
  .openapi(getAccount, async (c) => {
    const auth = authOf(c);
    const ctx = serviceContext(c);
    const [account, credits] = await Promise.all([accounts.getOwnAccount(ctx, auth.accountId), getCreditSummary(ctx, auth.accountId)]);
    const rate = rateLimitOf(auth, c.get("config"));
    return c.json(
      {
        accountId: liveAccountIdOf(account.id),
        livemode: auth.livemode,
        name: account.name,
        keyId: auth.keyId,
        rateLimit: { perMinute: rate.perMinute, burst: rate.burst },
        retentionDays: account.retentionDays,
        creditBalance: credits.balance,
        credits: { balance: credits.balance, reserved: credits.reserved, spent: credits.spent },
        spendCaps: { keyTotal: auth.keySpendCap, accountPerDay: auth.accountSpendCapPerDay },
        usageToday: {
          day: credits.usageToday.day,
          generations: credits.usageToday.reserved,
          completed: credits.usageToday.committed,
          failed: credits.usageToday.refunded,
          pending: credits.usageToday.pending,
        },
      },
      200,
    );
  })
  .openapi(getCredits, async (c) => {
    const auth = authOf(c);
    const credits = await getCreditSummary(serviceContext(c), auth.accountId);
    return c.json({ livemode: auth.livemode, creditBalance: credits.balance, reserved: credits.reserved, spent: credits.spent }, 200);
  });
