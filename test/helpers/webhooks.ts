import { env } from "cloudflare:workers";
import { type MockInstance, vi } from "vitest";
import { newId } from "../../src/lib/ids";
import type { WebhookMessage } from "../../src/queues/messages";
import { CreatedWebhookEndpointSchema } from "../../src/schemas/webhooks";
import { api, readWire, type TestAccount } from "./harness";
import { type ConsumerRun, runQueueBatch } from "./queue";

export type { ConsumerRun };

export { env };

/**
 * Messages the Worker sends to `drape-webhooks`, captured instead of sent, so a
 * test drives the consumer itself (retries become observable without waiting,
 * and no background consumer races the test).
 */
export function captureWebhookQueue(): { messages: WebhookMessage[]; restore: () => void } {
  const messages: WebhookMessage[] = [];
  const spy = vi.spyOn(env.WEBHOOKS_QUEUE, "sendBatch").mockImplementation(async (batch) => {
    for (const m of batch) messages.push(m.body as WebhookMessage);
    return undefined as never;
  });
  const single = vi.spyOn(env.WEBHOOKS_QUEUE, "send").mockImplementation(async (body) => {
    messages.push(body as WebhookMessage);
    return undefined as never;
  });
  return {
    messages,
    restore: () => {
      spy.mockRestore();
      single.mockRestore();
    },
  };
}

/** Runs the Worker's queue handler on one batch of `drape-webhooks` messages and returns the ack/retry result. */
export async function runWebhookConsumer(
  messages: Array<{ body: WebhookMessage; attempts?: number; id?: string }>,
  opts: { queue?: string; vars?: Record<string, string>; elapse?: boolean } = {},
): Promise<ConsumerRun> {
  const queue = opts.queue ?? "drape-webhooks";
  // A redelivered message arrives once its retry delay has passed; the test does not wait, so it
  // moves each delivery's due time to now (`elapse: false` keeps it, to test early/stale copies).
  if (opts.elapse !== false) {
    for (const m of messages) {
      await env.DB.prepare("UPDATE webhook_deliveries SET next_attempt_at = min(next_attempt_at, ?) WHERE id = ? AND next_attempt_at IS NOT NULL")
        .bind(Date.now(), m.body.deliveryId)
        .run();
    }
  }
  return runQueueBatch(queue, messages, opts.vars);
}

export interface ReceivedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  redirect: string | undefined;
  hasSignal: boolean;
}

/**
 * Replaces global fetch with a webhook receiver: each call takes the next
 * scripted reply (a Response, or an Error to throw, e.g. a timeout).
 */
export function mockReceiver(replies: Array<Response | Error | (() => Response | Error)>): { received: ReceivedRequest[]; spy: MockInstance<typeof fetch> } {
  const received: ReceivedRequest[] = [];
  let i = 0;
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    received.push({
      url: req.url,
      method: req.method,
      headers: Object.fromEntries(req.headers),
      body: await req.text(),
      redirect: init?.redirect,
      hasSignal: init?.signal instanceof AbortSignal,
    });
    const next = replies[Math.min(i++, replies.length - 1)];
    const reply = typeof next === "function" ? next() : next;
    if (!reply) throw new Error("no scripted reply");
    if (reply instanceof Error) throw reply;
    return reply.clone(); // the scripted reply stays unread, so it can be served again
  });
  return { received, spy };
}

/** A generation row in a terminal state, inserted straight into D1 (the pipeline is built elsewhere). */
export async function insertGeneration(
  accountId: string,
  opts: { status?: "COMPLETED" | "FAILED"; webhookUrl?: string | null; externalUserId?: string | null } = {},
): Promise<string> {
  const id = newId("generation");
  const now = Date.now();
  const status = opts.status ?? "COMPLETED";
  await env.DB.prepare(
    `INSERT INTO generations (id, account_id, status, product_external_id, product_snapshot, person_image_id, external_user_id, engine,
       keep_for_days, webhook_url, result_r2_key, result_expires_at, error_code, error_message, retryable, created_at, updated_at, completed_at, duration_ms, deadline_at)
     VALUES (?, ?, ?, 'shirt-1', '{}', 'img_test', ?, 'mock', 7, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1234, ?)`,
  )
    .bind(
      id,
      accountId,
      status,
      opts.externalUserId ?? "user-1",
      opts.webhookUrl ?? null,
      status === "COMPLETED" ? `results/7d/${accountId}/${id}.jpg` : null,
      status === "COMPLETED" ? now + 7 * 86400_000 : null,
      status === "FAILED" ? "GARMENT_NOT_DETECTED" : null,
      status === "FAILED" ? "No garment found." : null,
      status === "FAILED" ? 0 : null,
      now - 5000,
      now,
      now,
      now + 600_000,
    )
    .run();
  return id;
}

export async function createEndpoint(
  acct: TestAccount,
  body: Record<string, unknown> = {},
): Promise<{ id: string; secret: string; url: string; livemode: boolean }> {
  const res = await api(acct, "/webhooks", { method: "POST", json: { url: "https://hooks.example.com/drape", ...body } });
  if (res.status !== 201) throw new Error(`endpoint create failed: ${res.status} ${await res.text()}`);
  return await readWire(res, CreatedWebhookEndpointSchema);
}

export interface DeliveryRowLite {
  id: string;
  endpoint_id: string | null;
  url: string;
  status: string;
  attempt_count: number;
  event_type: string;
  generation_id: string | null;
  payload: string;
}

export async function deliveriesOf(accountId: string): Promise<DeliveryRowLite[]> {
  const { results } = await env.DB.prepare("SELECT * FROM webhook_deliveries WHERE account_id = ? ORDER BY id").bind(accountId).all<DeliveryRowLite>();
  return results;
}

export async function attemptsOf(
  deliveryId: string,
): Promise<Array<{ attempt_no: number; status_code: number | null; error: string | null; response_snippet: string | null; latency_ms: number }>> {
  const { results } = await env.DB.prepare("SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt_no").bind(deliveryId).all<{
    attempt_no: number;
    status_code: number | null;
    error: string | null;
    response_snippet: string | null;
    latency_ms: number;
  }>();
  return results;
}
