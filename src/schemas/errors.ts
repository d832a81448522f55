import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import { ERROR_CATALOG, ERROR_CODES, type ErrorCode } from "../errors";

export const ErrorDetailSchema = z
  .object({
    path: z.string().openapi({ example: "products.0.images.0.source.url" }),
    message: z.string().openapi({ example: "Invalid URL" }),
    width: z.number().int().optional().openapi({ description: "IMAGE_DIMENSIONS_OUT_OF_RANGE: the image's width (px)." }),
    height: z.number().int().optional().openapi({ description: "IMAGE_DIMENSIONS_OUT_OF_RANGE: the image's height (px)." }),
    min: z.number().int().optional().openapi({ description: "IMAGE_DIMENSIONS_OUT_OF_RANGE: the smallest side accepted (px)." }),
    max: z.number().int().optional().openapi({ description: "IMAGE_DIMENSIONS_OUT_OF_RANGE: the largest side accepted (px)." }),
    detectedType: z.string().nullable().optional().openapi({ description: "UNSUPPORTED_IMAGE_TYPE: what the bytes are (null when unrecognised)." }),
    detectedName: z.string().nullable().optional(),
    acceptedTypes: z.array(z.string()).optional(),
    rule: z
      .string()
      .optional()
      .openapi({ description: "*_FETCH_FAILED: the rule that refused the fetch (`blocked-url`, `http-status`, `timeout`, `intake:<CODE>`…)." }),
    keyId: z.string().nullable().optional().openapi({ description: "ENCRYPTED_DATA_UNREADABLE: the at-rest key that sealed the value." }),
    reason: z.string().optional(),
  })
  .openapi("ErrorDetail", { description: 'The field at fault (`path`, dotted; "" for the body itself) and what is wrong with it; some codes add facts.' });

export const ErrorCodeSchema = z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]).openapi("ErrorCode");

export const ErrorSchema = z
  .object({
    code: ErrorCodeSchema,
    message: z.string().openapi({ example: "The request did not match the schema." }),
    status: z.number().int().openapi({ example: 400 }),
    requestId: z.string().openapi({ example: "req_0Abc…" }),
    docUrl: z.url().openapi({
      description: "This code's documentation, served by the same deployment (GET /tryon/v1/errors/{code}).",
      example: "https://drape.example.com/tryon/v1/errors/VALIDATION_FAILED",
    }),
    details: z
      .array(ErrorDetailSchema)
      .optional()
      .openapi({ description: "Always an array: `[{path, message, …facts}]` (docs/errors.md lists the facts per code)." }),
  })
  .openapi("Error", { description: "The error envelope carried by every non-2xx response." });

/** OpenAPI security for integrator routes: the key in `x-api-key` or as a bearer token. */
export const API_KEY_SECURITY: Array<Record<string, string[]>> = [{ ApiKeyHeader: [] }, { BearerAuth: [] }];
export const ADMIN_SECURITY: Array<Record<string, string[]>> = [{ AdminToken: [] }];

type Access = "public" | "apiKey" | "admin";

/** What the shared middleware can answer on a route, from what the route is. */
interface RouteTraits {
  access: Access;
  method: string;
  /** Path or query parameters checked by a schema before the handler runs. */
  validatedParams: boolean;
  jsonBody: boolean;
}

/** The deployment gate, an unexpected failure, maintenance or a dependency down: any route. */
const EVERY_ROUTE: ErrorCode[] = ["INTERNAL_ERROR", "SERVICE_UNAVAILABLE", "SERVICE_MISCONFIGURED"];

/**
 * The codes the shared middleware (src/app.ts) can answer on a route whatever
 * its handler does: authentication and the rate limit, the body cap, the
 * Idempotency-Key of an integrator POST, the parameter and JSON body
 * validators. Listed here once rather than on every route; the route adds what
 * its own handler throws.
 */
export function sharedErrorCodes(t: RouteTraits): ErrorCode[] {
  const codes = [...EVERY_ROUTE];
  if (t.access !== "public") codes.push("MISSING_API_KEY", "INVALID_API_KEY");
  if (t.access === "apiKey") codes.push("RATE_LIMITED");
  if (t.access !== "public" && t.method !== "get") codes.push("PAYLOAD_TOO_LARGE");
  if (t.access === "apiKey" && t.method === "post")
    codes.push("VALIDATION_FAILED", "IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_KEY_IN_USE", "ENCRYPTED_DATA_UNREADABLE");
  if (t.validatedParams) codes.push("VALIDATION_FAILED");
  if (t.jsonBody) codes.push("VALIDATION_FAILED", "UNSUPPORTED_MEDIA_TYPE");
  return codes;
}

type ErrorResponse = { description: string; content: { "application/json": { schema: z.ZodType } } };

/**
 * OpenAPI `responses` for the given codes, one per status, each naming its
 * possible codes as an enum (`Error` narrowed by `allOf`), so a client
 * generated from the document knows exactly which codes a route answers.
 */
export function errorResponses(codes: readonly ErrorCode[]): Record<number, ErrorResponse> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERROR_CATALOG[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<number, ErrorResponse> = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    const sorted = list.sort() as [ErrorCode, ...ErrorCode[]];
    out[status] = {
      description: `Error: ${sorted.join(", ")}`,
      content: { "application/json": { schema: ErrorSchema.extend({ code: z.enum(sorted), status: z.literal(status) }) } },
    };
  }
  return out;
}

function traitsOf(route: Pick<RouteConfig, "method" | "security" | "request">): RouteTraits {
  const schemes = (route.security ?? []).flatMap((s) => Object.keys(s));
  const access: Access = schemes.includes("AdminToken") ? "admin" : schemes.includes("ApiKeyHeader") ? "apiKey" : "public";
  const content = route.request?.body?.content ?? {};
  const validatedParams = route.request?.params !== undefined || route.request?.query !== undefined;
  return { access, method: route.method, validatedParams, jsonBody: "application/json" in content };
}

/**
 * `createRoute` plus the route's error responses: `errors` lists what its own
 * handler can throw; the codes of the shared middleware are added from what
 * the route is (its security, method and body), so no route can forget them.
 * test/helpers/error-recorder.ts checks every answered code against the result.
 */
export function defineRoute<P extends string, R extends Omit<RouteConfig, "path"> & { path: P; errors: readonly ErrorCode[] }>(config: R) {
  const { errors, ...route } = config;
  const responses = { ...route.responses, ...errorResponses([...errors, ...sharedErrorCodes(traitsOf(route))]) };
  // Handlers are typed by the route's own responses: error responses are thrown (ApiError), never returned.
  return createRoute({ ...route, responses } as typeof route);
}
