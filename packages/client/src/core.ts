import type { Client, Middleware } from "openapi-fetch";
import * as openapiFetch from "openapi-fetch";
import { DrapeError, errorFromResponse } from "./errors.js";
import type { paths } from "./generated/openapi.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryingFetch } from "./retry.js";

export interface DrapeOptions {
  /** The account's API key (`dr_live_…`). Sent as `Authorization: Bearer`. */
  apiKey: string;
  /**
   * The deployment's origin, e.g. `https://drape.example.com` (a trailing `/tryon/v1` is accepted
   * and dropped: the client adds the API's base path itself).
   */
  baseUrl: string;
  /** Retries after the first attempt on 429, 503 and network errors (default 3; 0: off). */
  maxRetries?: number;
  /** Fine-tuning of the backoff (defaults: 500 ms first step, 8 s cap, `Retry-After` up to 60 s). */
  retry?: Partial<RetryPolicy>;
  /** Per-attempt timeout in ms (default 120 000, beyond the longest sync hold; 0: none). */
  timeoutMs?: number;
  /** A fetch to use instead of the global one (a proxy agent, a test double). */
  fetch?: (request: Request) => Promise<Response>;
  /** Headers sent with every request (e.g. a `user-agent` of your own). */
  headers?: Record<string, string>;
}

/** Options every call takes. */
export interface RequestOptions {
  /** Cancels the call, its retries and its waits; the signal's reason is thrown. */
  signal?: AbortSignal;
}

/** Options of every POST: the key that makes sending it again safe. */
export interface PostOptions extends RequestOptions {
  /**
   * The request's `Idempotency-Key`. By default each call gets a fresh UUID, reused by the
   * client's own retries of that call; pass your own to make retries across processes safe too.
   */
  idempotencyKey?: string;
}

export type ApiClient = Client<paths>;

/**
 * openapi-fetch's one export is its default. An ES module sees it as `default`; our CommonJS
 * build, importing openapi-fetch's CommonJS file in Node's interop mode, one level down.
 */
const createClient: typeof openapiFetch.default =
  typeof openapiFetch.default === "function" ? openapiFetch.default : (openapiFetch.default as unknown as { default: typeof openapiFetch.default }).default;

const DEFAULT_TIMEOUT_MS = 120_000;

/** The origin the client talks to, without a trailing slash or the API's base path. */
export function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`Drape: baseUrl must be an absolute URL such as https://drape.example.com (got ${JSON.stringify(baseUrl)})`);
  }
  const path = url.pathname.replace(/\/+$/, "").replace(/\/tryon\/v1$/, "");
  return `${url.origin}${path}`;
}

/** Every POST carries an Idempotency-Key; retries resend the same Request, so the same key. */
const idempotency: Middleware = {
  onRequest({ request }) {
    if (request.method !== "POST" || request.headers.has("idempotency-key")) return undefined;
    request.headers.set("idempotency-key", crypto.randomUUID());
    return request;
  },
};

/** A non-2xx answer becomes a thrown DrapeError, so every call returns its data or throws. */
const throwOnError: Middleware = {
  async onResponse({ response }) {
    if (response.ok) return undefined;
    throw await errorFromResponse(response);
  },
};

export function createApiClient(opts: DrapeOptions): ApiClient {
  if (typeof opts.apiKey !== "string" || opts.apiKey.trim() === "") throw new TypeError("Drape: apiKey is required");
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...opts.retry, ...(opts.maxRetries === undefined ? {} : { maxRetries: opts.maxRetries }) };
  const baseFetch = opts.fetch ?? ((input: Request) => globalThis.fetch(input));
  const client = createClient<paths>({
    baseUrl: normalizeBaseUrl(opts.baseUrl),
    fetch: retryingFetch({ fetch: baseFetch, policy, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS }),
    headers: { ...opts.headers, authorization: `Bearer ${opts.apiKey}` },
  });
  client.use(idempotency, throwOnError);
  return client;
}

/** The headers of a POST: its Idempotency-Key when the caller chose one. */
export function postHeaders(opts: PostOptions | undefined): Record<string, string> {
  return opts?.idempotencyKey ? { "idempotency-key": opts.idempotencyKey } : {};
}

/**
 * The data of a call (the middleware already threw for a non-2xx). A 2xx without the expected
 * body is not the API's answer (a captive portal, a misrouted proxy).
 */
export async function unwrap<T>(call: Promise<{ data?: T; response: Response }>): Promise<T> {
  const { data, response } = await call;
  if (data === undefined) {
    throw new DrapeError({
      code: "INVALID_RESPONSE",
      message: `HTTP ${response.status} without a body`,
      status: response.status,
      requestId: response.headers.get("x-request-id") ?? undefined,
    });
  }
  return data;
}

/** A multipart body where the generated type describes its fields: openapi-fetch sends FormData as is. */
export function formBody<T>(form: FormData): T {
  return form as unknown as T;
}
