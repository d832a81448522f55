import type { Context } from "hono";
import type { StoredResponse } from "../durable/account-gate";
import type { AppEnv } from "../env";
import type { ErrorCode } from "../errors";
import { authOf, serviceContext } from "../http/context";
import { readJsonOrMultipart } from "../http/multipart";
import { createRouter } from "../http/router";
import { ignoredFields, ignoredFieldsHeader, parseOrThrow } from "../http/validation";
import { apiPath } from "../lib/api-paths";
import type { FilePart } from "../lib/multipart-form";
import { API_KEY_SECURITY, defineRoute } from "../schemas/errors";
import { GenerationSchema } from "../schemas/generations";
import { TryOnMultipartSchema, type TryOnRequestBody, TryOnRequestSchema } from "../schemas/tryon";
import { SyncQuerySchema, TryOnAcceptedSchema } from "../schemas/tryon-generations";
import { createTryOn, type TryOnAccepted, waitAfterAcceptance } from "../services/generations";

const security = API_KEY_SECURITY;
const tags = ["Try-on"];

/** What the try-on handlers throw (the shared codes of an integrator POST with a JSON body are added by defineRoute). */
const TRY_ON_ERRORS: ErrorCode[] = [
  "CUSTOMER_IMAGE_REQUIRED",
  "CUSTOMER_IMAGE_FETCH_FAILED",
  "PRODUCT_IMAGES_REQUIRED",
  "PRODUCT_NOT_FOUND",
  "IMAGE_NOT_FOUND",
  "MULTIPART_FILE_NOT_FOUND",
  "INVALID_IMAGE_INPUT",
  "INVALID_IMAGE",
  "UNSUPPORTED_IMAGE_TYPE",
  "IMAGE_DIMENSIONS_OUT_OF_RANGE",
  "RESERVED_EXTERNAL_ID",
  "INSUFFICIENT_CREDITS",
  "QUOTA_EXCEEDED",
  "FILE_TOO_LARGE",
];

/**
 * The body is parsed by hand (JSON or multipart `data` + file parts) so both
 * content types share one schema, one alias resolver and one error mapping;
 * the OpenAPI document references the schemas registered below.
 */
const body = {
  required: true,
  content: {
    "application/json": { schema: { $ref: "#/components/schemas/TryOnRequest" } },
    "multipart/form-data": { schema: { $ref: "#/components/schemas/TryOnMultipart" } },
  },
};

const tryOn = defineRoute({
  method: "post",
  path: "/try-on",
  operationId: "createTryOn",
  tags,
  security,
  summary: "Start a try-on generation (async, 202)",
  description:
    "Validates everything first (nothing is charged or stored on a 4xx), reserves one credit, records the generation PENDING and queues it. " +
    "Poll `Location` (GET /generations/{id}), hold with POST /try-on/sync, or pass `webhookUrl`. Unknown fields are ignored and named in `x-ignored-fields`.",
  request: { body },
  responses: {
    202: {
      description: "Accepted; `Location` points at the generation",
      headers: { Location: { schema: { type: "string" }, description: apiPath("/generations/{generationId}") } },
      content: { "application/json": { schema: TryOnAcceptedSchema } },
    },
  },
  errors: TRY_ON_ERRORS,
});

const tryOnSync = defineRoute({
  method: "post",
  path: "/try-on/sync",
  operationId: "createTryOnSync",
  tags,
  security,
  summary: "Start a try-on and hold the request until it finishes (≤ wait s)",
  description:
    "Same body as POST /try-on. Answers 200 with the generation (COMPLETED or FAILED) as soon as it is terminal, " +
    "or 202 `{generationId, status, productExternalId}` + `Location` when `wait` seconds (default and maximum 90) pass first: then poll.",
  request: { body, query: SyncQuerySchema },
  responses: {
    200: { description: "Finished (COMPLETED or FAILED)", content: { "application/json": { schema: GenerationSchema } } },
    202: {
      description: "Still running after `wait` seconds; poll `Location`",
      headers: { Location: { schema: { type: "string" }, description: apiPath("/generations/{generationId}") } },
      content: { "application/json": { schema: TryOnAcceptedSchema } },
    },
  },
  errors: TRY_ON_ERRORS,
});

/** Reads the request as JSON or multipart and validates it; sets `x-ignored-fields`. */
async function readTryOnBody(c: Context<AppEnv>): Promise<{ parsed: TryOnRequestBody; files: Map<string, FilePart> | null }> {
  const { raw, files, fields } = await readJsonOrMultipart(c, {
    missingData: "A multipart try-on carries its JSON body in the `data` field.",
    unsupported: "Send the try-on as application/json, or as multipart/form-data with a `data` field.",
  });
  const parsed = parseOrThrow(TryOnRequestSchema, raw);
  const ignored = [...ignoredFields(raw, parsed), ...fields];
  if (ignored.length > 0) {
    c.set("ignoredFields", ignored);
    c.header("x-ignored-fields", ignoredFieldsHeader(ignored));
  }
  return { parsed, files };
}

/**
 * The 202 of an accepted try-on exactly as POST /try-on answers it (and
 * /try-on/sync when its wait runs out), as an idempotency record stores it:
 * recorded with the charge, so a retry after any failure replays it.
 */
function acceptedResponse(c: Context<AppEnv>, accepted: TryOnAccepted): StoredResponse {
  const headers: Array<[string, string]> = [
    ["content-type", "application/json"],
    ["location", apiPath(`/generations/${accepted.generationId}`)],
  ];
  const ignored = c.get("ignoredFields");
  if (ignored && ignored.length > 0) headers.push(["x-ignored-fields", ignoredFieldsHeader(ignored)]);
  return { status: 202, headers, body: new TextEncoder().encode(JSON.stringify(accepted)) };
}

const router = createRouter();
router.openAPIRegistry.register("TryOnRequest", TryOnRequestSchema);
router.openAPIRegistry.register("TryOnMultipart", TryOnMultipartSchema);

export const tryOnRoutes = router
  .openapi(tryOn, async (c) => {
    const { parsed, files } = await readTryOnBody(c);
    const accepted = await createTryOn(serviceContext(c), authOf(c), parsed, files, (a) => acceptedResponse(c, a));
    c.header("location", apiPath(`/generations/${accepted.generationId}`));
    return c.json(accepted, 202);
  })
  .openapi(tryOnSync, async (c) => {
    const { wait } = c.req.valid("query");
    const { parsed, files } = await readTryOnBody(c);
    const ctx = serviceContext(c);
    const auth = authOf(c);
    // Should this request die while it waits, an Idempotency-Key retry gets the 202 recorded with the charge.
    const accepted = await createTryOn(ctx, auth, parsed, files, (a) => acceptedResponse(c, a));
    const view = await waitAfterAcceptance(ctx, auth.accountId, accepted.generationId, wait);
    if (view && (view.status === "COMPLETED" || view.status === "FAILED")) return c.json(view, 200);
    c.header("location", apiPath(`/generations/${accepted.generationId}`));
    const pending = view
      ? { generationId: view.generationId, livemode: view.livemode, status: view.status, productExternalId: view.productExternalId }
      : accepted;
    return c.json(pending, 202);
  });
