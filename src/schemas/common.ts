import { z } from "@hono/zod-openapi";
import { ERROR_CATALOG, ERROR_CODES, type ErrorCode } from "../errors";
import { KEEP_FOR_DAYS_CHOICES } from "../lib/retention-days";

export const ErrorDetailSchema = z
  .object({
    path: z.string().openapi({ example: "products.0.images.0.source.url" }),
    message: z.string().openapi({ example: "Invalid URL" }),
  })
  .openapi("ErrorDetail");

export const ErrorCodeSchema = z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]).openapi("ErrorCode");

export const ErrorSchema = z
  .object({
    code: ErrorCodeSchema,
    message: z.string().openapi({ example: "The request did not match the schema." }),
    status: z.number().int().openapi({ example: 400 }),
    requestId: z.string().openapi({ example: "req_0Abc…" }),
    details: z.unknown().optional().openapi({ description: "For VALIDATION_FAILED: `[{path, message}]`; other codes may carry an object." }),
  })
  .openapi("Error", { description: "The error envelope carried by every non-2xx response." });

const ALWAYS: ErrorCode[] = ["INTERNAL_ERROR", "SERVICE_UNAVAILABLE"];
const AUTHENTICATED: ErrorCode[] = ["MISSING_API_KEY", "INVALID_API_KEY", "RATE_LIMITED"];

/**
 * OpenAPI `responses` entries for the given codes, grouped by status, each
 * naming its codes, so the document shows exactly which errors a route returns.
 */
export function errorResponses(codes: ErrorCode[], opts: { authenticated?: boolean } = {}) {
  const all = new Set<ErrorCode>([...codes, ...ALWAYS, ...(opts.authenticated === false ? [] : AUTHENTICATED)]);
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of all) {
    const status = ERROR_CATALOG[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<number, { description: string; content: { "application/json": { schema: typeof ErrorSchema } } }> = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[status] = {
      description: `Error: ${list.join(", ")}`,
      content: { "application/json": { schema: ErrorSchema } },
    };
  }
  return out;
}

export const PaginationQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(50)
    .openapi({ param: { name: "limit", in: "query" }, example: 50 }),
  cursor: z
    .string()
    .max(512)
    .optional()
    .openapi({ param: { name: "cursor", in: "query" } }),
});

export function paginated<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      items: z.array(item),
      nextCursor: z.string().nullable(),
      hasMore: z.boolean(),
      count: z.number().int().openapi({ description: "Number of items in this page." }),
    })
    .openapi(name);
}

export const IsoDate = z.string().openapi({ format: "date-time", example: "2026-11-25T08:00:00.000Z" });

/** OpenAPI security for integrator routes: the key in `x-api-key` or as a bearer token. */
export const API_KEY_SECURITY: Array<Record<string, string[]>> = [{ ApiKeyHeader: [] }, { BearerAuth: [] }];
export const ADMIN_SECURITY: Array<Record<string, string[]>> = [{ AdminToken: [] }];

/** A UTF-16 code unit of a surrogate pair that has no partner: not a character, and not storable as text. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * An identifier the client chooses (product `externalId`, `externalUserId`):
 * 1–256 characters of text. Control characters and lone surrogates are refused,
 * because the id is stored, compared and put in URLs as UTF-8 text, where a lone
 * surrogate would be replaced and two different ids could become one.
 */
export const ClientIdSchema = z
  .string()
  .min(1)
  .max(256)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses.
  .regex(/^[^\u0000-\u001f\u007f]+$/, "must not contain control characters")
  .refine((s) => !LONE_SURROGATE.test(s), "must be well-formed Unicode (no lone surrogates)");

const [FIRST_KEEP_CHOICE, ...OTHER_KEEP_CHOICES] = KEEP_FOR_DAYS_CHOICES;

/** Days images are kept: one of the retention choices, as a number (a union of literals, as OpenAPI shows it). */
export const KeepForDaysSchema = z.union([z.literal(FIRST_KEEP_CHOICE), ...OTHER_KEEP_CHOICES.map((d) => z.literal(d))]);
