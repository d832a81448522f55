import { z } from "@hono/zod-openapi";
import { EngineBreakerSchema } from "./engines";
import { ErrorCodeSchema } from "./errors";

export const CatalogEntrySchema = z
  .object({
    code: ErrorCodeSchema,
    status: z.number().int(),
    retryable: z.enum(["no", "yes", "after-fix", "after-top-up"]),
    kind: z.enum(["api", "runtime", "both"]).openapi({ description: "api: the request is rejected; runtime: a FAILED generation's errorCode." }),
    description: z.string(),
    action: z.string().openapi({ description: "What to do about it." }),
    docUrl: z.url().openapi({ description: "This entry on its own (GET /tryon/v1/errors/{code}); the `docUrl` of an error envelope with this code." }),
  })
  .openapi("ErrorCatalogEntry");

export const ErrorCatalogSchema = z.object({ errors: z.array(CatalogEntrySchema) }).openapi("ErrorCatalog");

export const ErrorCodeParamSchema = z.object({
  code: z
    .string()
    .max(64)
    .openapi({ param: { name: "code", in: "path" }, example: "VALIDATION_FAILED", description: "An error code (case-insensitive)." }),
});

export const HealthSchema = z
  .object({
    status: z.literal("ok"),
    time: z.string(),
    engines: z.array(EngineBreakerSchema).optional().openapi({ description: "`?deep=1` only: every engine's circuit breaker." }),
  })
  .openapi("Health");
