import { z } from "@hono/zod-openapi";

/** Path of DELETE /customers/{externalUserId}: the same rules as the `externalUserId` the API accepts elsewhere. */
export const CustomerParamSchema = z.object({
  externalUserId: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[^\u0000-\u001f\u007f]+$/, "must not contain control characters")
    .openapi({
      param: { name: "externalUserId", in: "path" },
      description: "The opaque end-user id you sent as `externalUserId` (or the deprecated `customerId`). URL-encode it.",
      example: "user_123",
    }),
});
