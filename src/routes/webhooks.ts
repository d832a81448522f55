import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { authOf, serviceContext } from "../http/context";
import { createRouter } from "../http/router";
import { PaginationQuerySchema } from "../schemas/common";
import { API_KEY_SECURITY, defineRoute } from "../schemas/errors";
import {
  AccountDeliveryListQuery,
  CreatedWebhookEndpointSchema,
  CreateWebhookBody,
  DeliveryIdParam,
  DeliveryListQuery,
  GenerationEventSchema,
  RotateSecretBody,
  UpdateWebhookBody,
  WebhookDeliveryListSchema,
  WebhookDeliveryParams,
  WebhookDeliverySchema,
  WebhookEndpointListSchema,
  WebhookEndpointSchema,
  WebhookIdParam,
  WebhookSecretSchema,
  WebhookTestEventSchema,
} from "../schemas/webhooks";
import * as webhooks from "../services/webhooks";

const security = API_KEY_SECURITY;
const tags = ["Webhooks"];
const json = <S extends z.ZodType>(schema: S) => ({ "application/json": { schema } });
/** A secret reply says which mode it belongs to, as every object does. */
const withMode = <T extends object>(c: Context<AppEnv>, view: T) => ({ livemode: authOf(c).livemode, ...view });

const create = defineRoute({
  method: "post",
  path: "/webhooks",
  operationId: "createWebhookEndpoint",
  tags,
  security,
  summary: "Create a webhook endpoint (returns its signing secret)",
  description:
    "URL rules: https only; no IP literals in private, loopback, link-local, CGNAT or other reserved ranges; no `localhost`, `*.local`, `*.internal`. `events` defaults to both generation events.",
  request: { body: { required: true, content: json(CreateWebhookBody) } },
  responses: {
    201: { description: "Created; `secret` is also readable later with GET /webhooks/{id}/secret", content: json(CreatedWebhookEndpointSchema) },
  },
  errors: [],
});

const list = defineRoute({
  method: "get",
  path: "/webhooks",
  operationId: "listWebhookEndpoints",
  tags,
  security,
  summary: "List webhook endpoints (newest first)",
  request: { query: PaginationQuerySchema },
  responses: {
    200: { description: "A page of endpoints", content: json(WebhookEndpointListSchema) },
  },
  errors: [],
});

const getDefaultSecret = defineRoute({
  method: "get",
  path: "/webhooks/default-secret",
  operationId: "getDefaultWebhookSecret",
  tags,
  security,
  summary: "The account's default signing secret (signs per-request `webhookUrl` callbacks; created on first use)",
  responses: {
    200: { description: "The secret", content: json(WebhookSecretSchema) },
  },
  errors: ["ENCRYPTED_DATA_UNREADABLE"],
});

const rotateDefaultSecret = defineRoute({
  method: "post",
  path: "/webhooks/default-secret/rotate",
  operationId: "rotateDefaultWebhookSecret",
  tags,
  security,
  summary: "Rotate the default signing secret (the old one keeps signing for 24 h unless `overlapSeconds` says otherwise)",
  request: { body: { required: false, content: json(RotateSecretBody) } },
  responses: {
    200: { description: "The new secret", content: json(WebhookSecretSchema) },
  },
  errors: [],
});

const listAccountDeliveries = defineRoute({
  method: "get",
  path: "/webhooks/deliveries",
  operationId: "listAccountWebhookDeliveries",
  tags,
  security,
  summary: "The account's whole delivery log (newest first): deliveries to every endpoint and to per-request `webhookUrl`s, each with its attempts",
  description:
    "A delivery to a per-request `webhookUrl` has `endpointId: null`. Filter by `generationId` (the deliveries one generation caused) and by `status`.",
  request: { query: AccountDeliveryListQuery },
  responses: {
    200: { description: "A page of deliveries", content: json(WebhookDeliveryListSchema) },
  },
  errors: [],
});

const retryAccountDelivery = defineRoute({
  method: "post",
  path: "/webhooks/deliveries/{deliveryId}/retry",
  operationId: "retryAccountWebhookDelivery",
  tags,
  security,
  summary: "Retry any delivery of the account now, by its id alone (also one to a per-request `webhookUrl`)",
  description: "The same retry as POST /webhooks/{id}/deliveries/{deliveryId}/retry: one attempt now, same `webhook-id`, freshly signed.",
  request: { params: DeliveryIdParam },
  responses: {
    202: { description: "Queued", content: json(WebhookDeliverySchema) },
  },
  errors: ["WEBHOOK_NOT_FOUND"],
});

const get = defineRoute({
  method: "get",
  path: "/webhooks/{id}",
  operationId: "getWebhookEndpoint",
  tags,
  security,
  summary: "Get a webhook endpoint",
  request: { params: WebhookIdParam },
  responses: {
    200: { description: "The endpoint", content: json(WebhookEndpointSchema) },
  },
  errors: ["WEBHOOK_NOT_FOUND"],
});

const update = defineRoute({
  method: "patch",
  path: "/webhooks/{id}",
  operationId: "updateWebhookEndpoint",
  tags,
  security,
  summary: "Update a webhook endpoint (url, events, description, enabled)",
  request: { params: WebhookIdParam, body: { required: true, content: json(UpdateWebhookBody) } },
  responses: {
    200: { description: "The endpoint", content: json(WebhookEndpointSchema) },
  },
  errors: ["WEBHOOK_NOT_FOUND"],
});

const remove = defineRoute({
  method: "delete",
  path: "/webhooks/{id}",
  operationId: "deleteWebhookEndpoint",
  tags,
  security,
  summary: "Delete a webhook endpoint (its pending deliveries stop)",
  request: { params: WebhookIdParam },
  responses: {
    204: { description: "Deleted" },
  },
  errors: ["WEBHOOK_NOT_FOUND"],
});

const getSecret = defineRoute({
  method: "get",
  path: "/webhooks/{id}/secret",
  operationId: "getWebhookEndpointSecret",
  tags,
  security,
  summary: "The endpoint's signing secret",
  request: { params: WebhookIdParam },
  responses: {
    200: { description: "The secret", content: json(WebhookSecretSchema) },
  },
  errors: ["WEBHOOK_NOT_FOUND", "ENCRYPTED_DATA_UNREADABLE"],
});

const rotateSecret = defineRoute({
  method: "post",
  path: "/webhooks/{id}/rotate-secret",
  operationId: "rotateWebhookEndpointSecret",
  tags,
  security,
  summary: "Rotate the endpoint's signing secret (the old one keeps signing for 24 h unless `overlapSeconds` says otherwise)",
  request: { params: WebhookIdParam, body: { required: false, content: json(RotateSecretBody) } },
  responses: {
    200: { description: "The new secret", content: json(WebhookSecretSchema) },
  },
  errors: ["WEBHOOK_NOT_FOUND"],
});

const test = defineRoute({
  method: "post",
  path: "/webhooks/{id}/test",
  operationId: "sendWebhookTestEvent",
  tags,
  security,
  summary: "Send a signed `webhook.test` event through the normal delivery path",
  request: { params: WebhookIdParam },
  responses: {
    202: { description: "Queued; follow it in the delivery log", content: json(WebhookDeliverySchema) },
  },
  errors: ["WEBHOOK_NOT_FOUND"],
});

const listDeliveries = defineRoute({
  method: "get",
  path: "/webhooks/{id}/deliveries",
  operationId: "listWebhookDeliveries",
  tags,
  security,
  summary: "The endpoint's delivery log (newest first), each delivery with its attempts",
  request: { params: WebhookIdParam, query: DeliveryListQuery },
  responses: {
    200: { description: "A page of deliveries", content: json(WebhookDeliveryListSchema) },
  },
  errors: ["WEBHOOK_NOT_FOUND"],
});

const getDelivery = defineRoute({
  method: "get",
  path: "/webhooks/{id}/deliveries/{deliveryId}",
  operationId: "getWebhookDelivery",
  tags,
  security,
  summary: "One delivery with its attempts",
  request: { params: WebhookDeliveryParams },
  responses: {
    200: { description: "The delivery", content: json(WebhookDeliverySchema) },
  },
  errors: ["WEBHOOK_NOT_FOUND"],
});

const retryDelivery = defineRoute({
  method: "post",
  path: "/webhooks/{id}/deliveries/{deliveryId}/retry",
  operationId: "retryWebhookDelivery",
  tags,
  security,
  summary: "Retry a delivery now (one attempt, same `webhook-id`, freshly signed)",
  request: { params: WebhookDeliveryParams },
  responses: {
    202: { description: "Queued", content: json(WebhookDeliverySchema) },
  },
  errors: ["WEBHOOK_NOT_FOUND"],
});

export const webhookRoutes = createRouter()
  .openapi(create, async (c) => {
    const { endpoint, secret } = await webhooks.createEndpoint(serviceContext(c), authOf(c).accountId, c.req.valid("json"));
    return c.json({ ...endpoint, secret }, 201);
  })
  .openapi(list, async (c) => {
    return c.json(await webhooks.listEndpoints(serviceContext(c), authOf(c).accountId, c.req.valid("query")), 200);
  })
  // Literal paths before `/webhooks/{id}`, so `default-secret` and `deliveries` are never taken for an id.
  .openapi(getDefaultSecret, async (c) => c.json(withMode(c, await webhooks.getDefaultSecret(serviceContext(c), authOf(c).accountId)), 200))
  .openapi(rotateDefaultSecret, async (c) => {
    const { overlapSeconds } = c.req.valid("json");
    return c.json(withMode(c, await webhooks.rotateDefaultSecret(serviceContext(c), authOf(c).accountId, overlapSeconds)), 200);
  })
  .openapi(listAccountDeliveries, async (c) => c.json(await webhooks.listAccountDeliveries(serviceContext(c), authOf(c).accountId, c.req.valid("query")), 200))
  .openapi(retryAccountDelivery, async (c) =>
    c.json(await webhooks.retryAccountDelivery(serviceContext(c), authOf(c).accountId, c.req.valid("param").deliveryId), 202),
  )
  .openapi(get, async (c) => c.json(await webhooks.getEndpoint(serviceContext(c), authOf(c).accountId, c.req.valid("param").id), 200))
  .openapi(update, async (c) =>
    c.json(await webhooks.updateEndpoint(serviceContext(c), authOf(c).accountId, c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(remove, async (c) => {
    await webhooks.deleteEndpoint(serviceContext(c), authOf(c).accountId, c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(getSecret, async (c) => c.json(withMode(c, await webhooks.getEndpointSecret(serviceContext(c), authOf(c).accountId, c.req.valid("param").id)), 200))
  .openapi(rotateSecret, async (c) => {
    const { overlapSeconds } = c.req.valid("json");
    return c.json(withMode(c, await webhooks.rotateEndpointSecret(serviceContext(c), authOf(c).accountId, c.req.valid("param").id, overlapSeconds)), 200);
  })
  .openapi(test, async (c) => c.json(await webhooks.sendTestEvent(serviceContext(c), authOf(c).accountId, c.req.valid("param").id), 202))
  .openapi(listDeliveries, async (c) => {
    return c.json(await webhooks.listDeliveries(serviceContext(c), authOf(c).accountId, c.req.valid("param").id, c.req.valid("query")), 200);
  })
  .openapi(getDelivery, async (c) => {
    const { id, deliveryId } = c.req.valid("param");
    return c.json(await webhooks.getDelivery(serviceContext(c), authOf(c).accountId, id, deliveryId), 200);
  })
  .openapi(retryDelivery, async (c) => {
    const { id, deliveryId } = c.req.valid("param");
    return c.json(await webhooks.retryDelivery(serviceContext(c), authOf(c).accountId, id, deliveryId), 202);
  });

/**
 * The events Drape sends, as OpenAPI 3.1 `webhooks` (registered on the root
 * document: a sub-router would prefix their names with the base path).
 */
export function registerWebhookEvents(app: OpenAPIHono<AppEnv>): void {
  const headers = z.object({
    "webhook-id": z.string().openapi({ description: "The delivery id (`msg_…`), the same on every retry: dedupe on it." }),
    "webhook-timestamp": z.string().openapi({ description: "Unix seconds of this attempt (re-signed on every retry)." }),
    "webhook-signature": z
      .string()
      .openapi({ description: "`v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>`; two space-separated signatures during a secret rotation." }),
  });
  const ack = { 200: { description: "Any 2xx acknowledges the event; anything else (3xx included) is retried; 410 disables the endpoint." } };
  for (const type of ["generation.completed", "generation.failed"] as const) {
    app.openAPIRegistry.registerWebhook({
      method: "post",
      path: type,
      operationId: type === "generation.completed" ? "receiveGenerationCompleted" : "receiveGenerationFailed",
      tags,
      summary: type === "generation.completed" ? "A generation reached COMPLETED" : "A generation reached FAILED",
      request: { headers, body: { required: true, content: json(GenerationEventSchema) } },
      responses: ack,
    });
  }
  app.openAPIRegistry.registerWebhook({
    method: "post",
    path: "webhook.test",
    operationId: "receiveWebhookTest",
    tags,
    summary: "Sent by POST /webhooks/{id}/test",
    request: { headers, body: { required: true, content: json(WebhookTestEventSchema) } },
    responses: ack,
  });
}
