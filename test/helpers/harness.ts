import { env, exports } from "cloudflare:workers";

export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef";
export const BASE = "https://drape.test";

/** Sends a request through the real Worker entry (all middleware, real bindings). */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
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
  const account = (await a.json()) as { id: string };
  const k = await admin(`/admin/v1/accounts/${account.id}/keys`, { method: "POST", json: { name: "test", ...opts.key } });
  if (k.status !== 201) throw new Error(`key create failed: ${k.status} ${await k.text()}`);
  const key = (await k.json()) as { id: string; key: string };
  return { accountId: account.id, keyId: key.id, key: key.key };
}

/** An authenticated request as `acct`; `json` sets the body and content type. */
export function api(acct: Pick<TestAccount, "key">, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("x-api-key") && !headers.has("authorization")) headers.set("x-api-key", acct.key);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return call(`/tryon/v1${path}`, { ...init, headers, body });
}

export interface Envelope {
  code: string;
  message: string;
  status: number;
  requestId: string;
  details?: unknown;
}

/** Asserts the error envelope ({code, message, status, requestId, details?}) and returns it. */
export async function expectEnvelope(res: Response, status: number, code: string): Promise<Envelope> {
  const text = await res.text();
  let body: Envelope;
  try {
    body = JSON.parse(text) as Envelope;
  } catch {
    throw new Error(`expected JSON envelope, got ${res.status}: ${text.slice(0, 200)}`);
  }
  if (res.status !== status || body.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${text.slice(0, 500)}`);
  }
  if (body.status !== status) throw new Error(`envelope status ${body.status} != ${status}`);
  if (typeof body.message !== "string" || body.message.length === 0) throw new Error("envelope without message");
  const rid = res.headers.get("x-request-id");
  if (!rid || body.requestId !== rid) throw new Error(`requestId ${body.requestId} != header ${rid}`);
  return body;
}

export { env };
