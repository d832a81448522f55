import type { components, operations } from "./generated/openapi.js";

type Schemas = components["schemas"];

/** Shapes of the API, named as in the OpenAPI document (GET /tryon/v1/openapi.json). */
export type Generation = Schemas["Generation"];
export type GenerationStatus = Generation["status"];
export type TryOnRequest = Schemas["TryOnRequest"];
export type TryOnAccepted = Schemas["TryOnAccepted"];
export type Image = Schemas["Image"];
export type ImageUploadForm = Schemas["ImageUploadForm"];
export type Product = Schemas["Product"];
export type ProductInput = Schemas["ProductInput"];
export type ProductStats = Schemas["ProductStats"];
export type ProductDeleted = Schemas["ProductDeleted"];
export type AccountView = Schemas["AccountView"];
export type CreditBalance = Schemas["CreditBalance"];
export type WebhookEndpoint = Schemas["WebhookEndpoint"];
export type CreatedWebhookEndpoint = Schemas["CreatedWebhookEndpoint"];
export type CreateWebhookEndpoint = Schemas["CreateWebhookEndpoint"];
export type UpdateWebhookEndpoint = Schemas["UpdateWebhookEndpoint"];
export type WebhookSecret = Schemas["WebhookSecret"];
export type WebhookDelivery = Schemas["WebhookDelivery"];
/** What a webhook endpoint receives (the body `webhooks.verify` returns). */
export type WebhookEvent = Schemas["GenerationEvent"] | Schemas["WebhookTestEvent"];
export type ErrorEnvelope = Schemas["Error"];

export type ListGenerationsQuery = NonNullable<operations["listGenerations"]["parameters"]["query"]>;
export type ListProductsQuery = NonNullable<operations["listProducts"]["parameters"]["query"]>;
export type ListWebhookDeliveriesQuery = NonNullable<operations["listWebhookDeliveries"]["parameters"]["query"]>;

/** One page of any list: `{items, nextCursor, hasMore, count}` (docs/pagination.md). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  hasMore: boolean;
  count: number;
}

/** A generation that will not change any more. */
export function isTerminal(status: GenerationStatus): boolean {
  return status === "COMPLETED" || status === "FAILED";
}
