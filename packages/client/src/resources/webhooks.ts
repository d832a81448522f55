import { type ApiClient, type PostOptions, postHeaders, type RequestOptions, unwrap } from "../core.js";
import { Paginator } from "../pagination.js";
import type {
  CreatedWebhookEndpoint,
  CreateWebhookEndpoint,
  ListWebhookDeliveriesQuery,
  UpdateWebhookEndpoint,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEvent,
  WebhookSecret,
} from "../types.js";
import { type VerifyOptions, verifyWebhook, type WebhookHeaders } from "../webhooks-verify.js";

export class WebhooksResource {
  constructor(private readonly api: ApiClient) {}

  /**
   * Verifies a delivery (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`)
   * against the endpoint's `whsec_…` secret and returns the parsed event. Pass the raw body exactly
   * as received. Throws a WebhookVerificationError naming why it failed. Needs no API call.
   */
  verify(payload: string | Uint8Array | ArrayBuffer, headers: WebhookHeaders, secret: string, opts?: VerifyOptions): Promise<WebhookEvent> {
    return verifyWebhook(payload, headers, secret, opts);
  }

  /** Creates an endpoint; the answer carries its signing secret. */
  create(input: CreateWebhookEndpoint, opts?: PostOptions): Promise<CreatedWebhookEndpoint> {
    return unwrap(this.api.POST("/tryon/v1/webhooks", { body: input, headers: postHeaders(opts), signal: opts?.signal }));
  }

  list(query: { limit?: number } = {}, opts?: RequestOptions): Paginator<WebhookEndpoint> {
    return new Paginator((cursor) =>
      unwrap(this.api.GET("/tryon/v1/webhooks", { params: { query: { ...query, ...(cursor ? { cursor } : {}) } }, signal: opts?.signal })),
    );
  }

  get(id: string, opts?: RequestOptions): Promise<WebhookEndpoint> {
    return unwrap(this.api.GET("/tryon/v1/webhooks/{id}", { params: { path: { id } }, signal: opts?.signal }));
  }

  update(id: string, patch: UpdateWebhookEndpoint, opts?: RequestOptions): Promise<WebhookEndpoint> {
    return unwrap(this.api.PATCH("/tryon/v1/webhooks/{id}", { params: { path: { id } }, body: patch, signal: opts?.signal }));
  }

  async delete(id: string, opts?: RequestOptions): Promise<void> {
    await this.api.DELETE("/tryon/v1/webhooks/{id}", { params: { path: { id } }, signal: opts?.signal });
  }

  secret(id: string, opts?: RequestOptions): Promise<WebhookSecret> {
    return unwrap(this.api.GET("/tryon/v1/webhooks/{id}/secret", { params: { path: { id } }, signal: opts?.signal }));
  }

  /** The default secret: it signs per-request `webhookUrl` callbacks. */
  defaultSecret(opts?: RequestOptions): Promise<WebhookSecret> {
    return unwrap(this.api.GET("/tryon/v1/webhooks/default-secret", { signal: opts?.signal }));
  }

  /** A new secret; the old one keeps signing for `overlapSeconds` (default 24 h). */
  rotateSecret(id: string, body: { overlapSeconds?: number } = {}, opts?: PostOptions): Promise<WebhookSecret> {
    return unwrap(this.api.POST("/tryon/v1/webhooks/{id}/rotate-secret", { params: { path: { id } }, body, headers: postHeaders(opts), signal: opts?.signal }));
  }

  /** Sends a signed `webhook.test` event through the normal delivery path. */
  test(id: string, opts?: PostOptions): Promise<WebhookDelivery> {
    return unwrap(this.api.POST("/tryon/v1/webhooks/{id}/test", { params: { path: { id } }, headers: postHeaders(opts), signal: opts?.signal }));
  }

  deliveries(id: string, query: Omit<ListWebhookDeliveriesQuery, "cursor"> = {}, opts?: RequestOptions): Paginator<WebhookDelivery> {
    return new Paginator((cursor) =>
      unwrap(
        this.api.GET("/tryon/v1/webhooks/{id}/deliveries", {
          params: { path: { id }, query: { ...query, ...(cursor ? { cursor } : {}) } },
          signal: opts?.signal,
        }),
      ),
    );
  }
}
