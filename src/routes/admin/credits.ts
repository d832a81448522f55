import type { CreditSummary, LedgerEntry } from "../../durable/account-gate";
import { serviceContext } from "../../http/context";
import { createRouter } from "../../http/router";
import { toIso } from "../../lib/time";
import { AccountIdParam } from "../../schemas/admin";
import { PaginationQuerySchema } from "../../schemas/common";
import { CreditLedgerSchema, GrantCreditsBody, GrantCreditsResponse } from "../../schemas/credits";
import { ADMIN_SECURITY, defineRoute } from "../../schemas/errors";
import * as credits from "../../services/credits";

const security = ADMIN_SECURITY;
const tags = ["Operator"];

const grant = defineRoute({
  method: "post",
  path: "/accounts/{accountId}/credits",
  operationId: "adminGrantCredits",
  tags,
  security,
  summary: "Grant or adjust credits (ledger entry with a reason; idempotent by reference)",
  request: { params: AccountIdParam, body: { required: true, content: { "application/json": { schema: GrantCreditsBody } } } },
  responses: {
    201: { description: "Granted", content: { "application/json": { schema: GrantCreditsResponse } } },
    200: {
      description: "This reference was already granted: the first entry, nothing granted again",
      content: { "application/json": { schema: GrantCreditsResponse } },
    },
  },
  errors: ["ACCOUNT_NOT_FOUND", "INSUFFICIENT_CREDITS", "IDEMPOTENCY_KEY_REUSED"],
});

const get = defineRoute({
  method: "get",
  path: "/accounts/{accountId}/credits",
  operationId: "adminGetCredits",
  tags,
  security,
  summary: "An account's balance and a page of its ledger (newest first; the list shape plus the balance)",
  request: { params: AccountIdParam, query: PaginationQuerySchema },
  responses: {
    200: { description: "Balance and ledger", content: { "application/json": { schema: CreditLedgerSchema } } },
  },
  errors: ["ACCOUNT_NOT_FOUND"],
});

export function presentSummary(accountId: string, s: CreditSummary) {
  return {
    accountId,
    // The operator API addresses live accounts only (a test twin is not an account of its own).
    livemode: true,
    creditBalance: s.balance,
    reserved: s.reserved,
    spent: s.spent,
    granted: s.granted,
    refunded: s.refunded,
    usageToday: {
      day: s.usageToday.day,
      generations: s.usageToday.reserved,
      completed: s.usageToday.committed,
      failed: s.usageToday.refunded,
      pending: s.usageToday.pending,
    },
  };
}

function presentEntry(e: LedgerEntry) {
  return { ...e, createdAt: toIso(e.createdAt) };
}

export const creditRoutes = createRouter()
  .openapi(grant, async (c) => {
    const { accountId } = c.req.valid("param");
    const res = await credits.grantCredits(serviceContext(c), accountId, c.req.valid("json"));
    return c.json({ ...presentSummary(accountId, res.summary), entry: presentEntry(res.entry), duplicate: res.duplicate }, res.duplicate ? 200 : 201);
  })
  .openapi(get, async (c) => {
    const { accountId } = c.req.valid("param");
    const { summary, ledger } = await credits.getCreditLedger(serviceContext(c), accountId, c.req.valid("query"));
    return c.json({ ...presentSummary(accountId, summary), ...ledger, items: ledger.items.map(presentEntry) }, 200);
  });
