import { z } from "@hono/zod-openapi";
import { IsoDate, LivemodeSchema, PaginationQuerySchema, paginated } from "./common";
import { GenerationSchema } from "./generations";

/** Events an endpoint can subscribe to. `webhook.test` is sent only by POST /webhooks/{id}/test. */
export const WEBHOOK_EVENT_TYPES = ["generation.completed", "generation.failed"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export const TEST_EVENT_TYPE = "webhook.test";

export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES).openapi("WebhookEventType");

const Url = z.string().trim().min(1).max(2048).openapi({ example: "https://shop.example.com/hooks/drape" });
const Description = z.string().trim().max(500).nullable();
const Events = z
  .array(WebhookEventTypeSchema)
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .transform((list) => [...new Set(list)])
  .openapi({ description: "Event types to receive; default both." });

export const WebhookIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "whe_0Abc…" }),
});
export const WebhookDeliveryParams = WebhookIdParam.extend({
  deliveryId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "deliveryId", in: "path" }, example: "msg_0Abc…" }),
});

export const CreateWebhookBody = z
  .object({
    url: Url,
    events: Events.optional(),
    description: Description.optional(),
    enabled: z.boolean().optional(),
  })
  .openapi("CreateWebhookEndpoint");

export const UpdateWebhookBody = z
  .object({
    url: Url.optional(),
    events: Events.optional(),
    description: Description.optional(),
    enabled: z.boolean().optional().openapi({ description: "true re-enables an endpoint disabled for failures or a 410, and clears its failing streak." }),
  })
  .openapi("UpdateWebhookEndpoint");

export const RotateSecretBody = z
  .object({
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(86400)
      .optional()
      .openapi({ description: "How long the old secret keeps signing beside the new one (default 86400 = 24 h; 0 = stop now, e.g. after a leak)." }),
  })
  .openapi("RotateWebhookSecret");

export const WebhookEndpointSchema = z
  .object({
    id: z.string().openapi({ example: "whe_0Abc…" }),
    livemode: LivemodeSchema,
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(WebhookEventTypeSchema),
    enabled: z.boolean(),
    disabledReason: z
      .enum(["manual", "gone", "failing"])
      .nullable()
      .openapi({ description: "Why the endpoint is disabled: `manual` (you), `gone` (it answered 410), `failing` (5 days of failed attempts)." }),
    failingSince: IsoDate.nullable().openapi({ description: "Start of the current streak of failed attempts; null while healthy." }),
    previousSecretExpiresAt: IsoDate.nullable().openapi({ description: "While set, the previous secret still signs beside the current one." }),
    createdAt: IsoDate,
    updatedAt: IsoDate,
  })
  .openapi("WebhookEndpoint");

const Secret = z.string().openapi({ example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" });

export const CreatedWebhookEndpointSchema = WebhookEndpointSchema.extend({
  secret: Secret.openapi({ description: "The signing secret. Readable again with GET /webhooks/{id}/secret." }),
}).openapi("CreatedWebhookEndpoint");

export const WebhookSecretSchema = z
  .object({
    livemode: LivemodeSchema,
    secret: Secret,
    previousSecretExpiresAt: IsoDate.nullable().openapi({ description: "Until then the previous secret also signs every message." }),
  })
  .openapi("WebhookSecret");

export const WebhookAttemptSchema = z
  .object({
    id: z.string(),
    attemptNo: z.number().int(),
    statusCode: z.number().int().nullable().openapi({ description: "The receiver's HTTP status; null when no response (timeout, DNS, blocked)." }),
    latencyMs: z.number().int(),
    responseSnippet: z.string().nullable().openapi({ description: "First 1 KB of the receiver's response body." }),
    error: z.string().nullable(),
    createdAt: IsoDate,
  })
  .openapi("WebhookAttempt");

export const WebhookDeliverySchema = z
  .object({
    id: z.string().openapi({ example: "msg_0Abc…", description: "Also the `webhook-id` header, the same on every retry." }),
    livemode: LivemodeSchema,
    endpointId: z.string().nullable().openapi({ description: "The endpoint it went to; null for a per-request `webhookUrl`." }),
    url: z.string(),
    eventType: z.string().openapi({ example: "generation.completed" }),
    generationId: z.string().nullable(),
    status: z.enum(["PENDING", "SUCCEEDED", "FAILED"]),
    attemptCount: z.number().int(),
    nextAttemptAt: IsoDate.nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    payload: z.unknown().openapi({ description: "The event body as last sent." }),
    attempts: z.array(WebhookAttemptSchema),
    createdAt: IsoDate,
    updatedAt: IsoDate,
  })
  .openapi("WebhookDelivery");

export const DeliveryListQuery = PaginationQuerySchema.extend({
  status: z
    .enum(["PENDING", "SUCCEEDED", "FAILED"])
    .optional()
    .openapi({ param: { name: "status", in: "query" } }),
});

/** The account-wide delivery log: every endpoint's deliveries and those to per-request `webhookUrl`s. */
export const AccountDeliveryListQuery = DeliveryListQuery.extend({
  generationId: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi({ param: { name: "generationId", in: "query" }, description: "Only the deliveries this generation caused.", example: "gen_0Abc…" }),
});

export const DeliveryIdParam = z.object({
  deliveryId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "deliveryId", in: "path" }, example: "msg_0Abc…" }),
});

/** The body of every generation event (what the receiver gets). */
export const GenerationEventSchema = z
  .object({
    type: WebhookEventTypeSchema,
    livemode: LivemodeSchema,
    timestamp: IsoDate.openapi({ description: "When the event was created (the terminal transition)." }),
    data: GenerationSchema,
  })
  .openapi("GenerationEvent", {
    description:
      "Sent when a generation reaches COMPLETED or FAILED. `data` is exactly what GET /generations/{id} returns. Signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).",
  });

export const WebhookTestEventSchema = z
  .object({
    type: z.literal(TEST_EVENT_TYPE),
    livemode: LivemodeSchema,
    timestamp: IsoDate,
    data: z.object({ endpointId: z.string(), message: z.string() }),
  })
  .openapi("WebhookTestEvent");

export type GenerationEvent = z.infer<typeof GenerationEventSchema>;
export type WebhookEndpointView = z.infer<typeof WebhookEndpointSchema>;
export type WebhookDeliveryView = z.infer<typeof WebhookDeliverySchema>;
export type WebhookAttemptView = z.infer<typeof WebhookAttemptSchema>;

export const WebhookEndpointListSchema = paginated(WebhookEndpointSchema, "WebhookEndpointList");
export const WebhookDeliveryListSchema = paginated(WebhookDeliverySchema, "WebhookDeliveryList");
