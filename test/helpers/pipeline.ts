import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, vi } from "vitest";
import worker from "../../src";
import type { GenerationMessageInput } from "../../src/queues/messages";
import { ImageSchema } from "../../src/schemas/images";
import { grantCredits } from "../services/credits/helpers";
import { garmentPattern, jpeg, makeRgba, personPattern, png } from "./engine-images";
import { api, call, createAccount, readWire, type TestAccount } from "./harness";
import { type ConsumerRun, runQueueBatch } from "./queue";

export type { ConsumerRun };

export { env };

/** A fresh account holding `credits` credits. */
export async function fundedAccount(credits = 20, opts: Parameters<typeof createAccount>[0] = {}): Promise<TestAccount> {
  const acct = await createAccount(opts);
  const res = await grantCredits(acct.accountId, credits);
  if (res.status !== 200 && res.status !== 201) throw new Error(`grant failed: ${res.status} ${await res.text()}`);
  return acct;
}

let personCache: Uint8Array | undefined;
let garmentCache: Uint8Array | undefined;

/** A 480×600 person-like JPEG (smooth blue/green gradient). */
export async function personJpeg(): Promise<Uint8Array> {
  personCache ??= await jpeg(makeRgba(480, 600, personPattern(480, 600)));
  return personCache;
}

/** A 400×400 PNG garment: a red block on a white studio background. */
export async function garmentPng(): Promise<Uint8Array> {
  garmentCache ??= await png(makeRgba(400, 400, garmentPattern(400, 400)));
  return garmentCache;
}

/** A uniform grey PNG: no garment to find. */
export async function blankPng(): Promise<Uint8Array> {
  return png(makeRgba(300, 300, () => [128, 128, 128]));
}

export function filePart(bytes: Uint8Array, name: string, type: string): File {
  return new File([bytes], name, { type });
}

/** POST /images/upload → imageId. */
export async function uploadPerson(acct: TestAccount, fields: Record<string, string> = {}): Promise<string> {
  const form = new FormData();
  form.set("file", filePart(await personJpeg(), "person.jpg", "image/jpeg"));
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  const res = await api(acct, "/images/upload", { method: "POST", body: form });
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return (await readWire(res, ImageSchema)).imageId;
}

/** POST /products with a multipart garment image → externalId. */
export async function registerProduct(acct: TestAccount, externalId: string, title = "Red shirt", garment?: Uint8Array): Promise<string> {
  const form = new FormData();
  form.set("data", JSON.stringify({ externalId, title, images: [{ source: { fileKey: "front" } }] }));
  form.set("front", filePart(garment ?? (await garmentPng()), "front.png", "image/png"));
  const res = await api(acct, "/products", { method: "POST", body: form });
  if (res.status !== 200 && res.status !== 201) throw new Error(`product failed: ${res.status} ${await res.text()}`);
  return externalId;
}

/** JSON try-on. */
export function tryOn(acct: TestAccount, json: unknown, path = "/try-on", headers: Record<string, string> = {}): Promise<Response> {
  return api(acct, path, { method: "POST", json, headers });
}

/** Multipart try-on: `data` + file parts. */
export function tryOnMultipart(acct: TestAccount, data: unknown, files: Record<string, File>, path = "/try-on"): Promise<Response> {
  const form = new FormData();
  form.set("data", JSON.stringify(data));
  for (const [k, f] of Object.entries(files)) form.set(k, f);
  return api(acct, path, { method: "POST", body: form });
}

/**
 * Captures what the Worker sends to `drape-generations` instead of sending it,
 * so the test drives the consumer itself and no background consumer races it.
 */
export interface GenerationQueueCapture {
  messages: GenerationMessageInput[];
  delays: Array<number | undefined>;
  restore: () => void;
  failNext: (n: number) => void;
}

export function captureGenerationQueue(): GenerationQueueCapture {
  const messages: GenerationMessageInput[] = [];
  const delays: Array<number | undefined> = [];
  let failures = 0;
  const spy = vi.spyOn(env.GENERATIONS_QUEUE, "send").mockImplementation(async (body, opts) => {
    if (failures > 0) {
      failures--;
      throw new Error("queue unavailable (test)");
    }
    messages.push(body as GenerationMessageInput);
    delays.push(opts?.delaySeconds);
    return undefined as never;
  });
  // The AccountGate's outbox (GENERATION_DELIVERY=outbox) sends a batch at a time; a failure fails the batch.
  const batchSpy = vi.spyOn(env.GENERATIONS_QUEUE, "sendBatch").mockImplementation(async (batch) => {
    if (failures > 0) {
      failures--;
      throw new Error("queue unavailable (test)");
    }
    for (const m of batch) {
      messages.push(m.body as GenerationMessageInput);
      delays.push(m.delaySeconds);
    }
    return undefined as never;
  });
  const restore = () => {
    spy.mockRestore();
    batchSpy.mockRestore();
  };
  return { messages, delays, restore, failNext: (n) => (failures = n) };
}

/** Also keep webhook deliveries in-process (the webhook consumer is not under test here). */
export function silenceWebhookQueue(): () => void {
  const a = vi.spyOn(env.WEBHOOKS_QUEUE, "send").mockImplementation(async () => undefined as never);
  const b = vi.spyOn(env.WEBHOOKS_QUEUE, "sendBatch").mockImplementation(async () => undefined as never);
  return () => {
    a.mockRestore();
    b.mockRestore();
  };
}

/** Runs the Worker's queue handler on one batch (default queue `drape-generations`). */
export function runConsumer(
  messages: Array<{ body: unknown; attempts?: number; id?: string }>,
  queue = "drape-generations",
  vars?: Record<string, string>,
): Promise<ConsumerRun> {
  return runQueueBatch(queue, messages, vars);
}

/**
 * Runs a generation to its end through the Worker's queue handler as the queue would: a message the
 * consumer retried comes back with attempts + 1, a new message (a hand-over, a poll) starts at 1.
 * `queue` is the test's capture of the generations queue (usePipelineQueues).
 */
export async function driveToEnd(queue: { readonly messages: GenerationMessageInput[] }, generationId: string, vars?: Record<string, string>): Promise<void> {
  let last: GenerationMessageInput | undefined;
  let attempts = 1;
  for (let i = 0; i < 20; i++) {
    const next = queue.messages.filter((m) => m.generationId === generationId).at(-1);
    if (next !== last) attempts = 1;
    last = next;
    const run = await runConsumer([{ body: next, attempts }], "drape-generations", vars);
    if (run.retries.length > 0) attempts++;
    const row = await genRow(generationId);
    if (row.status === "COMPLETED" || row.status === "FAILED") return;
  }
  throw new Error("the generation did not finish");
}

/** Runs the Worker's scheduled handler at `now`. */
export async function runCron(now = Date.now()): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

export interface GenRow {
  id: string;
  status: string;
  attempts: number;
  engine: string;
  credit_state: string;
  event_emitted_at: number | null;
  error_code: string | null;
  error_message: string | null;
  retryable: number | null;
  result_r2_key: string | null;
  result_image_id: string | null;
  result_expires_at: number | null;
  engine_job_id: string | null;
  updated_at: number;
  completed_at: number | null;
  duration_ms: number | null;
  deadline_at: number;
  created_at: number;
  keep_for_days: number;
  person_image_id: string;
  product_external_id: string;
  product_snapshot: string;
  external_user_id: string | null;
  webhook_url: string | null;
  category: string | null;
  mode: string | null;
  seed: number | null;
  watermark: number | null;
}

export async function genRow(id: string): Promise<GenRow> {
  const row = await env.DB.prepare("SELECT * FROM generations WHERE id = ?").bind(id).first<GenRow>();
  if (!row) throw new Error(`no generation ${id}`);
  return row;
}

/** Row counts of the tables a rejected try-on must not touch. */
export async function counts(accountId: string): Promise<{ generations: number; images: number; products: number }> {
  const one = async (table: string) =>
    (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE account_id = ?`).bind(accountId).first<{ n: number }>())?.n ?? 0;
  return { generations: await one("generations"), images: await one("images"), products: await one("products") };
}

/** Webhook deliveries recorded for a generation (the webhook layer's view of "generation finished"). */
export async function deliveriesFor(generationId: string): Promise<number> {
  return (await env.DB.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE generation_id = ?").bind(generationId).first<{ n: number }>())?.n ?? 0;
}

/** Downloads a URL through the Worker (signed file URLs are absolute on the request origin). */
export async function fetchThroughWorker(url: string): Promise<Response> {
  const u = new URL(url);
  return call(`${u.pathname}${u.search}`);
}

/**
 * For a pipeline test file: before each test the generations queue is captured
 * (and can be made to fail) and the webhook queue silenced; after it both are
 * restored with every other mock. The returned object always reads the
 * current test's capture.
 */
export function usePipelineQueues(): Omit<GenerationQueueCapture, "restore"> {
  let current: GenerationQueueCapture | undefined;
  let unsilence: (() => void) | undefined;
  beforeEach(() => {
    current = captureGenerationQueue();
    unsilence = silenceWebhookQueue();
  });
  afterEach(() => {
    current?.restore();
    unsilence?.();
    vi.restoreAllMocks();
  });
  const capture = (): GenerationQueueCapture => {
    if (!current) throw new Error("usePipelineQueues: no test is running");
    return current;
  };
  return {
    get messages() {
      return capture().messages;
    },
    get delays() {
      return capture().delays;
    },
    failNext: (n) => capture().failNext(n),
  };
}
