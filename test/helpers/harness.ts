import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import type { z } from "@hono/zod-openapi";
import worker from "../../src";
import type { ErrorCode } from "../../src/errors";
import { ignoredFields } from "../../src/http/validation";
import { AccountSchema, CreatedApiKeySchema } from "../../src/schemas/admin";
import { ErrorSchema } from "../../src/schemas/errors";
import { recordAnswer } from "./error-recorder";
import { deliverAfterRequest } from "./outbox-delivery";

export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef";
export const BASE = "https://drape.test";

/**
 * Sends a request through the real Worker entry (all middleware, real bindings).
 * The suite's only door to the Worker: every error answer is recorded and checked
 * against the route's OpenAPI error responses (test/helpers/error-recorder.ts).
 */
export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const request = new Request(`${BASE}${path}`, init);
  const { method, url } = request;
  const headers = new Headers(request.headers);
  const res = await exports.default.fetch(request);
  await recordAnswer(method, url, res);
  await deliverAfterRequest(method, headers);
  return res;
}

/**
 * `call` on a deployment with other bindings (`workerEnv`, e.g. `{ ...env, AT_REST_KEY: other }`):
 * the Worker entry itself, invoked with that env. `url` is a path on BASE or an absolute URL.
 */
export async function callWithEnv(workerEnv: Env, url: string, init: RequestInit = {}): Promise<Response> {
  const request = new Request(url.startsWith("/") ? `${BASE}${url}` : url, init);
  const { method, url: target } = request;
  const headers = new Headers(request.headers);
  const res = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, workerEnv, createExecutionContext());
  await recordAnswer(method, target, res);
  await deliverAfterRequest(method, headers);
  return res;
}

export function admin(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${ADMIN_TOKEN}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return call(path, { ...init, headers, body });
}

export interface TestAccount {
  accountId: string;
  keyId: string;
  key: string;
}

/** A fresh account with one key, minted through the operator API (state is shared within a file). */
export async function createAccount(opts: { name?: string; key?: Record<string, unknown>; account?: Record<string, unknown> } = {}): Promise<TestAccount> {
  const a = await admin("/admin/v1/accounts", { method: "POST", json: { name: opts.name ?? "Test shop", ...opts.account } });
  if (a.status !== 201) throw new Error(`account create failed: ${a.status} ${await a.text()}`);
  const account = await readWire(a, AccountSchema);
  const k = await admin(`/admin/v1/accounts/${account.id}/keys`, { method: "POST", json: { name: "test", ...opts.key } });
  if (k.status !== 201) throw new Error(`key create failed: ${k.status} ${await k.text()}`);
  const key = await readWire(k, CreatedApiKeySchema);
  return { accountId: account.id, keyId: key.id, key: key.key };
}

/** An authenticated request as `acct`; `json` sets the body and content type. */
export function api(acct: Pick<TestAccount, "key">, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  return call(`/tryon/v1${path}`, asAccount(acct, init));
}

/** `api` on a deployment with other bindings (`workerEnv`, e.g. `{ ...env, GENERATION_DELIVERY: "outbox" }`). */
export function apiWithEnv(workerEnv: Env, acct: Pick<TestAccount, "key">, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  return callWithEnv(workerEnv, `/tryon/v1${path}`, asAccount(acct, init));
}

function asAccount(acct: Pick<TestAccount, "key">, init: RequestInit & { json?: unknown }): RequestInit {
  const headers = new Headers(init.headers);
  if (!headers.has("x-api-key") && !headers.has("authorization")) headers.set("x-api-key", acct.key);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  const { json: _json, ...rest } = init;
  return { ...rest, headers, body };
}

export type Envelope = z.infer<typeof ErrorSchema>;

/**
 * `value` parsed by `schema`, or an error naming what drifted: a field the
 * schema refuses, or a field the schema does not know (the OpenAPI document,
 * made of the same schemas, would not show it).
 */
export function parseWire<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`${what} does not match its schema: ${parsed.error.message}\n${JSON.stringify(value).slice(0, 500)}`);
  const undeclared = ignoredFields(value, parsed.data);
  if (undeclared.length > 0) throw new Error(`${what} has fields its schema does not declare: ${undeclared.join(", ")}`);
  return parsed.data;
}

/** The JSON body parsed by its wire schema, whatever the status (the caller checks that). */
export async function readWire<S extends z.ZodType>(res: Response, schema: S): Promise<z.output<S>> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`expected a JSON body, got ${res.status}: ${text.slice(0, 200)}`);
  }
  return parseWire(schema, json, `${res.status} body`);
}

/**
 * Asserts a success (`status`, 200 unless told) and returns the JSON body parsed
 * by the route's wire schema (src/schemas/*), so a reply that drifts from the
 * contract fails the test that reads it.
 */
export async function expectOk<S extends z.ZodType>(res: Response, schema: S, status = 200): Promise<z.output<S>> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${(await res.text()).slice(0, 500)}`);
  return readWire(res, schema);
}

/**
 * Asserts the error envelope and returns it: parsed by the wire schema the
 * OpenAPI document is made of (src/schemas/errors.ts), status and code as
 * expected, `docUrl` naming this code, `requestId` equal to the header.
 */
export async function expectEnvelope(res: Response, status: number, code: ErrorCode): Promise<Envelope> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`expected JSON envelope, got ${res.status}: ${text.slice(0, 200)}`);
  }
  const body = parseWire(ErrorSchema, json, `${res.status} error envelope`);
  if (res.status !== status || body.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${text.slice(0, 500)}`);
  }
  if (body.status !== status) throw new Error(`envelope status ${body.status} != ${status}`);
  if (body.message.length === 0) throw new Error("envelope without message");
  if (new URL(body.docUrl).pathname !== `/tryon/v1/errors/${code}`) throw new Error(`docUrl ${body.docUrl} does not document ${code}`);
  const rid = res.headers.get("x-request-id");
  if (!rid || body.requestId !== rid) throw new Error(`requestId ${body.requestId} != header ${rid}`);
  return body;
}

export { env };
