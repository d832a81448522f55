import { authOf, serviceContext } from "../http/context";
import { createRouter } from "../http/router";
import { API_KEY_SECURITY, defineRoute } from "../schemas/errors";
import { GenerationSchema } from "../schemas/generations";
import { GenerationIdParamSchema, GenerationListQuerySchema, GenerationPageSchema } from "../schemas/tryon-generations";
import { cancelGeneration, listGenerationViews, loadGenerationView } from "../services/generations";

const security = API_KEY_SECURITY;
const tags = ["Generations"];

const getGeneration = defineRoute({
  method: "get",
  path: "/generations/{id}",
  operationId: "getGeneration",
  tags,
  security,
  summary: "A generation: status, fresh signed result URL, typed failure",
  description:
    "Poll this about every 2 s (or use POST /try-on/sync or a webhook). `resultImageUrl` is signed afresh on every read. " +
    "What does not apply is omitted (no `resultImageUrl` before COMPLETED, no `errorCode` unless FAILED). " +
    "Another account's generation answers 403 FORBIDDEN and an unknown id 404 GENERATION_NOT_FOUND, as Genlook does: generation ids are unguessable, so the difference reveals nothing.",
  request: { params: GenerationIdParamSchema },
  responses: {
    200: { description: "The generation", content: { "application/json": { schema: GenerationSchema } } },
  },
  errors: ["GENERATION_NOT_FOUND", "FORBIDDEN"],
});

const listRoute = defineRoute({
  method: "get",
  path: "/generations",
  operationId: "listGenerations",
  tags,
  security,
  summary: "List generations, newest first (cursor pagination)",
  request: { query: GenerationListQuerySchema },
  responses: {
    200: { description: "One page", content: { "application/json": { schema: GenerationPageSchema } } },
  },
  errors: [],
});

const cancelRoute = defineRoute({
  method: "post",
  path: "/generations/{id}/cancel",
  operationId: "cancelGeneration",
  tags,
  security,
  summary: "Cancel a PENDING or PROCESSING generation (refunds its credit)",
  description:
    "The generation ends FAILED with errorCode GENERATION_CANCELLED; its reserved credit is refunded and a `generation.failed` event is sent. " +
    "A result the engine produces afterwards is discarded. Cancelling a COMPLETED or FAILED generation answers 409 GENERATION_NOT_CANCELLABLE.",
  request: { params: GenerationIdParamSchema },
  responses: {
    200: { description: "The cancelled generation", content: { "application/json": { schema: GenerationSchema } } },
  },
  errors: ["GENERATION_NOT_FOUND", "FORBIDDEN", "GENERATION_NOT_CANCELLABLE"],
});

export const generationRoutes = createRouter()
  .openapi(getGeneration, async (c) => {
    const { id } = c.req.valid("param");
    const view = await loadGenerationView(serviceContext(c), authOf(c).accountId, id, { allowCached: true });
    return c.json(view, 200);
  })
  .openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    const page = await listGenerationViews(serviceContext(c), authOf(c).accountId, q);
    return c.json(page, 200);
  })
  .openapi(cancelRoute, async (c) => {
    const { id } = c.req.valid("param");
    const view = await cancelGeneration(serviceContext(c), authOf(c).accountId, id);
    return c.json(view, 200);
  });
