import { authOf, serviceContext } from "../http/context";
import { createRouter } from "../http/router";
import { CustomerParamSchema } from "../schemas/customers";
import { API_KEY_SECURITY, defineRoute } from "../schemas/errors";
import { eraseCustomer } from "../services/customers";

const erase = defineRoute({
  method: "delete",
  path: "/customers/{externalUserId}",
  operationId: "eraseCustomer",
  tags: ["Customers"],
  security: API_KEY_SECURITY,
  summary: "GDPR erase of one end user (idempotent; 204 even when nothing matches)",
  description:
    "Deletes, for this account, every person photo and result of that `externalUserId` (tagged uploads and the images of their generations; never product images), cancels their in-flight generations, and anonymizes their generations (`externalUserId` removed; status and stats are kept). See docs/privacy.md.",
  request: { params: CustomerParamSchema },
  responses: {
    204: { description: "Erased (or nothing matched)" },
  },
  errors: [],
});

export const customerRoutes = createRouter().openapi(erase, async (c) => {
  await eraseCustomer(serviceContext(c), authOf(c).accountId, c.req.valid("param").externalUserId);
  return c.body(null, 204);
});
