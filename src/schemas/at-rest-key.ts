import { z } from "@hono/zod-openapi";

const KeyId = z
  .string()
  .regex(/^[0-9a-f]{8}$/)
  .openapi({ description: "First 8 hex characters of SHA-256 of the key bytes.", example: "3f9a0c21" });
const Table = z.enum(["webhook_endpoints", "webhook_default_secrets"]);

export const AtRestKeyStatusSchema = z
  .object({
    currentKeyId: KeyId,
    previousKeyIds: z.array(KeyId),
    stale: z
      .object({ webhook_endpoints: z.number().int(), webhook_default_secrets: z.number().int() })
      .openapi({ description: "Rows whose webhook secret (or live previous secret) is not yet sealed under the current key." }),
  })
  .openapi("AtRestKeyStatus");

export const ResealBody = z
  .object({
    limit: z.number().int().min(1).max(500).default(100).openapi({ description: "Rows to visit in this call." }),
    cursor: z.string().max(200).optional().openapi({ description: "`nextCursor` of the previous call." }),
  })
  .openapi("ResealAtRestKey");

export const ResealResultSchema = AtRestKeyStatusSchema.extend({
  resealed: z.number().int(),
  unreadable: z
    .array(z.object({ table: Table, id: z.string(), keyId: KeyId.nullable() }))
    .openapi({ description: "Secrets no key opens (their key was removed too early): their owners must rotate them." }),
  nextCursor: z.string().nullable().openapi({ description: "Pass back as `cursor`; null when every stale row was visited." }),
}).openapi("ResealAtRestKeyResult");
