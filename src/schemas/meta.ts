import { z } from "@hono/zod-openapi";
import { ErrorCodeSchema } from "./common";

export const CatalogEntrySchema = z
  .object({
    code: ErrorCodeSchema,
    status: z.number().int(),
    retryable: z.enum(["no", "yes", "after-fix", "after-top-up"]),
    kind: z.enum(["api", "runtime", "both"]).openapi({ description: "api: the request is rejected; runtime: a FAILED generation's errorCode." }),
    description: z.string(),
  })
  .openapi("ErrorCatalogEntry");

export const ErrorCatalogSchema = z.object({ errors: z.array(CatalogEntrySchema) }).openapi("ErrorCatalog");

export const HealthSchema = z.object({ status: z.literal("ok"), time: z.string() }).openapi("Health");
