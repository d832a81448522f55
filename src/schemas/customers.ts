import { z } from "@hono/zod-openapi";
import { ClientIdSchema } from "./common";

/** Path of DELETE /customers/{externalUserId}: the same rules as the `externalUserId` the API accepts elsewhere. */
export const CustomerParamSchema = z.object({
  externalUserId: ClientIdSchema.openapi({
    param: { name: "externalUserId", in: "path" },
    description: "The opaque end-user id you sent as `externalUserId` (or the deprecated `customerId`). URL-encode it.",
    example: "user_123",
  }),
});
