import type { ServiceContext } from "../../context";
import * as repo from "../../db/repo/webhooks";
import { ApiError } from "../../errors";
import { newId } from "../../lib/ids";
import { livemodeOf } from "../../lib/modes";
import { idCursor, type Page, type PageRequest, pageOf } from "../../lib/pagination";
import { toIso } from "../../lib/time";
import { generateWebhookSecret } from "../../lib/webhook-signing";
import { WEBHOOK_EVENT_TYPES, type WebhookEndpointView, type WebhookEventType } from "../../schemas/webhooks";
import { DEFAULT_ROTATION_OVERLAP_SECONDS, endpointAad, previousActive, rotationPatch, type SecretView, seal, secretView } from "./secrets";
import { validateWebhookUrl } from "./url-policy";

/** Webhook endpoints of an account: CRUD, and reading or rotating an endpoint's signing secret. */
export type { WebhookEndpointView };

/** Stripe allows 16; a handful is plenty for fan-out and keeps one event's deliveries in one D1 batch. */
export const MAX_ENDPOINTS_PER_ACCOUNT = 20;

export type DisabledReason = "manual" | "gone" | "failing";

export function presentEndpoint(ctx: ServiceContext, row: repo.WebhookEndpointRow): WebhookEndpointView {
  return {
    id: row.id,
    livemode: livemodeOf(row.accountId),
    url: row.url,
    description: row.description,
    events: parseEvents(row.events),
    enabled: row.enabled,
    disabledReason: row.enabled ? null : ((row.disabledReason as DisabledReason | null) ?? "manual"),
    failingSince: toIso(row.failingSince),
    previousSecretExpiresAt: previousActive(row, ctx.now()) ? toIso(row.previousSecretExpiresAt) : null,
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
  };
}

export function parseEvents(text: string): WebhookEventType[] {
  try {
    const list: unknown = JSON.parse(text);
    if (Array.isArray(list)) return WEBHOOK_EVENT_TYPES.filter((t) => list.includes(t));
  } catch {
    // fall through: a corrupt list subscribes to nothing rather than everything
  }
  return [];
}

export async function requireEndpoint(ctx: ServiceContext, accountId: string, id: string): Promise<repo.WebhookEndpointRow> {
  const row = await repo.findEndpoint(ctx.db, accountId, id);
  if (!row) throw new ApiError("WEBHOOK_NOT_FOUND", `No webhook endpoint ${id} on this account.`);
  return row;
}

export interface CreateEndpointInput {
  url: string;
  events?: WebhookEventType[] | undefined;
  description?: string | null | undefined;
  enabled?: boolean | undefined;
}

export async function createEndpoint(
  ctx: ServiceContext,
  accountId: string,
  input: CreateEndpointInput,
): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
  const url = validateWebhookUrl(ctx, input.url, "url");
  if ((await repo.countEndpoints(ctx.db, accountId)) >= MAX_ENDPOINTS_PER_ACCOUNT) {
    throw new ApiError("VALIDATION_FAILED", `An account can have at most ${MAX_ENDPOINTS_PER_ACCOUNT} webhook endpoints.`, {
      details: [{ path: "", message: `at most ${MAX_ENDPOINTS_PER_ACCOUNT} endpoints per account; delete one first` }],
    });
  }
  const now = ctx.now();
  const id = newId("webhookEndpoint", now);
  const secret = generateWebhookSecret();
  const enabled = input.enabled ?? true;
  const row = await repo.insertEndpoint(ctx.db, {
    id,
    accountId,
    url,
    description: input.description ?? null,
    events: JSON.stringify(input.events ?? [...WEBHOOK_EVENT_TYPES]),
    enabled,
    disabledReason: enabled ? null : "manual",
    secretEnc: await seal(ctx, secret, endpointAad(id)),
    createdAt: now,
    updatedAt: now,
  });
  return { endpoint: presentEndpoint(ctx, row), secret };
}

const ENDPOINT_CURSOR = idCursor("webhook-endpoints", "webhookEndpoint");

export async function listEndpoints(ctx: ServiceContext, accountId: string, page: PageRequest): Promise<Page<WebhookEndpointView>> {
  const rows = await repo.listEndpoints(ctx.db, accountId, page.limit + 1, ENDPOINT_CURSOR.decode(page.cursor));
  return pageOf(
    rows,
    page.limit,
    ENDPOINT_CURSOR,
    (r) => r.id,
    (r) => presentEndpoint(ctx, r),
  );
}

export async function getEndpoint(ctx: ServiceContext, accountId: string, id: string): Promise<WebhookEndpointView> {
  return presentEndpoint(ctx, await requireEndpoint(ctx, accountId, id));
}

export async function updateEndpoint(ctx: ServiceContext, accountId: string, id: string, input: Partial<CreateEndpointInput>): Promise<WebhookEndpointView> {
  const url = input.url === undefined ? undefined : validateWebhookUrl(ctx, input.url, "url");
  await requireEndpoint(ctx, accountId, id);
  const patch: Parameters<typeof repo.updateEndpoint>[3] = { updatedAt: ctx.now() };
  if (url !== undefined) patch.url = url;
  if (input.events !== undefined) patch.events = JSON.stringify(input.events);
  if (input.description !== undefined) patch.description = input.description;
  if (input.enabled === true) Object.assign(patch, { enabled: true, disabledReason: null, failingSince: null });
  if (input.enabled === false) Object.assign(patch, { enabled: false, disabledReason: "manual" });
  const row = await repo.updateEndpoint(ctx.db, accountId, id, patch);
  if (!row) throw new ApiError("WEBHOOK_NOT_FOUND", `No webhook endpoint ${id} on this account.`);
  return presentEndpoint(ctx, row);
}

/** Deleting stops all pending deliveries to it (they end FAILED on their next attempt); the log stays until the retention purge. */
export async function deleteEndpoint(ctx: ServiceContext, accountId: string, id: string): Promise<void> {
  if (!(await repo.deleteEndpoint(ctx.db, accountId, id))) throw new ApiError("WEBHOOK_NOT_FOUND", `No webhook endpoint ${id} on this account.`);
}

export async function getEndpointSecret(ctx: ServiceContext, accountId: string, id: string): Promise<SecretView> {
  const row = await requireEndpoint(ctx, accountId, id);
  return secretView(ctx, row, endpointAad(id));
}

export async function rotateEndpointSecret(
  ctx: ServiceContext,
  accountId: string,
  id: string,
  overlapSeconds: number = DEFAULT_ROTATION_OVERLAP_SECONDS,
): Promise<SecretView> {
  const row = await requireEndpoint(ctx, accountId, id);
  const { patch } = await rotationPatch(ctx, row, endpointAad(id), overlapSeconds);
  const updated = await repo.updateEndpoint(ctx.db, accountId, id, patch);
  if (!updated) throw new ApiError("WEBHOOK_NOT_FOUND", `No webhook endpoint ${id} on this account.`);
  return secretView(ctx, updated, endpointAad(id));
}
