import { authOf, serviceContext } from "../http/context";
import { createRouter } from "../http/router";
import { CreditBalanceSchema } from "../schemas/credits";
import { API_KEY_SECURITY, defineRoute } from "../schemas/errors";
import { SetTestBalanceBody, TestDataErasedSchema } from "../schemas/test-mode";
import { setTestBalance } from "../services/credits";
import { eraseTestData } from "../services/test-mode";

const security = API_KEY_SECURITY;
const tags = ["Test mode"];

const setCredits = defineRoute({
  method: "post",
  path: "/test/credits",
  operationId: "setTestCreditBalance",
  tags,
  security,
  summary: "Set the test balance exactly (test keys only)",
  description:
    "Test mode's ledger starts each UTC day topped up to its free daily amount. This sets the balance to exactly `balance` with one ledger adjustment, e.g. `0` to make the next try-on answer 402 `INSUFFICIENT_CREDITS`. A live key gets 403 `TEST_MODE_ONLY`. See docs/test-mode.md.",
  request: { body: { required: true, content: { "application/json": { schema: SetTestBalanceBody } } } },
  responses: {
    200: { description: "The test balance", content: { "application/json": { schema: CreditBalanceSchema } } },
  },
  errors: ["TEST_MODE_ONLY"],
});

const eraseData = defineRoute({
  method: "delete",
  path: "/test/data",
  operationId: "eraseTestData",
  tags,
  security,
  summary: "Erase all test-mode data of the account (test keys only)",
  description:
    "Deletes every test object (generations, products, images and their stored bytes, webhook endpoints and deliveries) and resets the test balance to the daily free amount. Live data is never touched; a live key gets 403 `TEST_MODE_ONLY`.",
  responses: {
    202: { description: "Erased; the counts of what was deleted", content: { "application/json": { schema: TestDataErasedSchema } } },
  },
  errors: ["TEST_MODE_ONLY"],
});

export const testModeRoutes = createRouter()
  .openapi(setCredits, async (c) => {
    const auth = authOf(c);
    const summary = await setTestBalance(serviceContext(c), auth.accountId, c.req.valid("json").balance);
    return c.json({ livemode: auth.livemode, creditBalance: summary.balance, reserved: summary.reserved, spent: summary.spent }, 200);
  })
  .openapi(eraseData, async (c) => {
    const { creditBalance, ...deleted } = await eraseTestData(serviceContext(c), authOf(c).accountId);
    return c.json({ livemode: false, deleted, creditBalance }, 202);
  });
