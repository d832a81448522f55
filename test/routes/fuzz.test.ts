import { describe, expect, it } from "vitest";
import { accountGate } from "../../src/durable/account-gate/client";
import { ERROR_CATALOG, type ErrorCode } from "../../src/errors";
import { IMAGE_MAX_BYTES, JSON_MAX_BYTES } from "../../src/http/body-limit";
import { servedRoutes } from "../../src/http/route-table";
import { FASHN_BASE } from "../../src/routes/fashn";
import { FASHN_API_ERRORS } from "../../src/schemas/fashn";
import { ADMIN_TOKEN, call, createAccount, env, type TestAccount } from "../helpers/harness";
import { prng } from "../helpers/prng";
import { grantCredits } from "../services/credits/helpers";

// Seeded, reproducible fuzzing of every route the router serves: malformed, deep, large,
// unicode (lone surrogates and control characters included), wrongly typed and wrongly
// labelled requests. Nothing a client sends may answer 5xx, every refusal is the envelope with a
// catalog code, and nothing is ever charged. A failure names its seed and request index.

const SEEDS = [0x0f00d001, 0x0f00d002, 0x0f00d003, 0x0f00d004];
const REQUESTS_PER_SEED = 300;
const CREDITS = 5;

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const int = (rand: Rand, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const BOUNDARY = "fuzzBoundary7MA4YWxkTrZu0gW";
const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/problem+json",
  `multipart/form-data; boundary=${BOUNDARY}`,
  "multipart/form-data",
  "multipart/mixed; boundary=x",
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/json; charset=utf-16",
  "application/json;;;",
  "image/png",
  "",
];

/** Strings that have broken parsers, headers and databases before. */
const NASTY = [
  "",
  " ",
  "ü",
  "😀👩‍👩‍👧",
  "\u202eevil\u202c",
  "e\u0301",
  "\ud800",
  "\udc00x",
  "a\ud83d",
  "\u0000",
  "\u0001\u001f\u007f",
  "\r\n",
  "a\r\nx-injected: 1",
  "%00",
  "../../etc/passwd",
  "_anon_x",
  "x".repeat(257),
  "x".repeat(5001),
  "null",
  "1e309",
];

/** Header values: a header carries bytes, so a lone surrogate arrives as its (invalid) UTF-8 bytes. */
const NASTY_HEADER = ["\xed\xa0\x80", "\xed\xb0\x80abc", "\x01\x02", "\t\t", "ü", "k".repeat(300), "", " x ", "a,b", "\x7f"];

const PATH_JUNK = [
  "x",
  "..",
  "%2e%2e",
  "%ED%A0%80",
  "%EF%BF%BD",
  "%00",
  "%0A",
  "%ZZ",
  "\ud800",
  `gen_${"A".repeat(24)}`,
  `img_${"0".repeat(20)}`,
  "_anon_1",
  "ü",
  "a".repeat(300),
];

const QUERIES = [
  "?limit=-5&cursor=%ZZ&wait=1e99&from=yesterday",
  "?limit=%ED%A0%80",
  "?cursor=\ud800",
  "?cursor=%00%01",
  "?limit=1e999",
  "?limit[]=1&limit[]=2",
  "?wait=-1",
  "?wait=91",
  "?from=2026-13-45T99:00:00Z&to=x",
  "?status=%F0%9F%98%80",
  `?q=${"%41".repeat(500)}`,
];

function wrongValue(rand: Rand, depth = 0): unknown {
  switch (int(rand, 0, 11)) {
    case 0:
      return null;
    case 1:
      return pick(rand, [true, false]);
    case 2:
      return pick(rand, [0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 4294967296]);
    case 3:
      return pick(rand, NASTY);
    case 4:
      return [];
    case 5:
      return {};
    case 6:
      return depth < 2 ? [wrongValue(rand, depth + 1), wrongValue(rand, depth + 1)] : "[]";
    case 7:
      return depth < 2 ? { [pick(rand, NASTY)]: wrongValue(rand, depth + 1) } : "{}";
    case 8:
      return "https://10.0.0.1/a.jpg";
    case 9:
      return `https://cdn.example.com/${pick(rand, NASTY)}.jpg`;
    case 10:
      return nested(rand, int(rand, 30, 40));
    default:
      return pick(rand, NASTY).repeat(int(rand, 1, 50));
  }
}

/** A JSON value `depth` levels deep (objects and arrays mixed). */
function nested(rand: Rand, depth: number): unknown {
  let v: unknown = pick(rand, NASTY);
  for (let i = 0; i < depth; i++) v = rand() < 0.5 ? [v] : { k: v };
  return v;
}

/**
 * Near-valid bodies with one or more fields replaced by a wrong value. Each try-on keeps a
 * defect no mutation repairs (its person names a part or an image that does not exist, or a
 * private address), so none may be charged; product and webhook bodies may legitimately succeed.
 */
function template(rand: Rand): Record<string, unknown> {
  const image = () => ({
    source: pick(rand, [{ url: "https://cdn.example.com/a.jpg" }, { fileKey: "front" }, { url: "https://192.168.1.1/x.png" }]),
    classifications: { view: pick(rand, NASTY) },
  });
  const product = () => ({
    externalId: pick(rand, NASTY),
    title: pick(rand, NASTY),
    images: [image()],
    metadata: { sku: pick(rand, NASTY), tags: [pick(rand, NASTY)] },
  });
  switch (int(rand, 0, 4)) {
    case 0:
      return {
        person: { image: { source: pick(rand, [{ fileKey: "missing-part" }, { id: "img_doesnotexist" }, { url: "https://127.0.0.1/me.jpg" }]) } },
        products: [product()],
        externalUserId: pick(rand, NASTY),
        output: { keepForDays: pick(rand, [1, 3, 7, 2]) },
        webhookUrl: pick(rand, ["https://hooks.example.com/x", "http://localhost/x", "ftp://x"]),
      };
    case 1:
      return product();
    case 2:
      return {
        url: pick(rand, [`https://hooks.example.com/${pick(rand, NASTY)}`, "https://10.1.1.1/h"]),
        description: pick(rand, NASTY),
        events: [pick(rand, ["generation.completed", "nope", ""])],
      };
    case 3:
      return { name: pick(rand, NASTY), rateLimitPerMinute: pick(rand, [0, 1, 100001, -1]), retentionDays: pick(rand, [1, 2, 7]) };
    default:
      return { amount: pick(rand, [0, -1, 1.5, 1e9]), reason: pick(rand, NASTY), reference: pick(rand, NASTY) };
  }
}

function mutate(rand: Rand, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...value };
  const keys = Object.keys(out);
  for (let n = int(rand, 1, 3); n > 0; n--) {
    const r = rand();
    if (r < 0.6 && keys.length > 0) out[pick(rand, keys)] = wrongValue(rand);
    else if (r < 0.8) out[pick(rand, NASTY)] = wrongValue(rand);
    else if (keys.length > 0) delete out[pick(rand, keys)];
  }
  return out;
}

const enc = new TextEncoder();

function multipart(rand: Rand, parts: Array<[string, string | Uint8Array]>): Uint8Array {
  const pieces: Uint8Array[] = [];
  for (const [name, value] of parts) {
    const file = typeof value !== "string";
    pieces.push(
      enc.encode(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${file ? `; filename="${pick(rand, NASTY)}.png"` : ""}\r\n${file ? "Content-Type: image/png\r\n" : ""}\r\n`,
      ),
    );
    pieces.push(typeof value === "string" ? enc.encode(value) : value, enc.encode("\r\n"));
  }
  if (rand() < 0.85) pieces.push(enc.encode(`--${BOUNDARY}--\r\n`)); // sometimes cut short
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of pieces) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** JSON text that JSON.stringify cannot write: raw control characters and unpaired surrogate escapes. */
function rawJsonString(rand: Rand): string {
  return pick(rand, ['"\\ud800"', '"\\udfff\\ud800"', '"a\u0001b"', '"\\u0000"', '"tab\tin"', '"\\uZZZZ"', '"\u2028\u2029"']);
}

function body(rand: Rand): { body: BodyInit | undefined; forceType?: string } {
  const r = rand();
  if (r < 0.3) return { body: JSON.stringify(mutate(rand, template(rand))) };
  if (r < 0.38) {
    const t = template(rand);
    const key = pick(rand, Object.keys(t).length > 0 ? Object.keys(t) : ["x"]);
    return { body: JSON.stringify({ ...t, [key]: "__RAW__" }).replace('"__RAW__"', rawJsonString(rand)) };
  }
  if (r < 0.46) {
    // Deep nesting, from just over the 32-level bound up to what a 1 MB body allows.
    const depth = pick(rand, [33, int(rand, 34, 2000), int(rand, 2000, 50_000), int(rand, 400_000, 524_000)]);
    const where = pick(rand, ["metadata", "classifications", "data", "unknown"]);
    const deep = rand() < 0.5 ? "[".repeat(depth) + "]".repeat(depth) : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    if (where === "metadata") return { body: `{"externalId":"deep","images":[{"url":"https://cdn.example.com/a.jpg"}],"metadata":${deep}}` };
    if (where === "classifications") return { body: `{"products":[{"images":[{"url":"https://cdn.example.com/a.jpg","classifications":{"k":${deep}}}]}]}` };
    if (where === "data")
      return { body: multipart(rand, [["data", `{"products":[{"metadata":${deep}}]}`]]), forceType: `multipart/form-data; boundary=${BOUNDARY}` };
    return { body: `{"zzz":${deep}}` };
  }
  if (r < 0.5) {
    // Just under and just over the 1 MB JSON cap.
    const size = JSON_MAX_BYTES + int(rand, -64, 64);
    return { body: `{"externalId":"big","title":"${"t".repeat(size - 30)}"}` };
  }
  if (r < 0.505) {
    // An upload just under / over its 10 MB image cap (bytes that are no image).
    const file = new Uint8Array(IMAGE_MAX_BYTES + int(rand, -8, 8));
    return { body: multipart(rand, [["file", file]]), forceType: `multipart/form-data; boundary=${BOUNDARY}` };
  }
  if (r < 0.65) {
    const parts: Array<[string, string | Uint8Array]> = [];
    if (rand() < 0.8) parts.push(["data", rand() < 0.7 ? JSON.stringify(mutate(rand, template(rand))) : "{bad"]);
    for (let n = int(rand, 0, 3); n > 0; n--)
      parts.push([pick(rand, ["file", "front", "person", "missing-part", pick(rand, NASTY)]), crypto.getRandomValues(new Uint8Array(int(rand, 0, 4096)))]);
    if (rand() < 0.3) parts.push([pick(rand, ["crop", "keepForDays", "externalUserId"]), pick(rand, NASTY)]);
    return { body: multipart(rand, parts), forceType: rand() < 0.8 ? `multipart/form-data; boundary=${BOUNDARY}` : undefined };
  }
  if (r < 0.72) return { body: crypto.getRandomValues(new Uint8Array(int(rand, 0, 2048))) };
  if (r < 0.78) return { body: JSON.stringify(wrongValue(rand)) };
  if (r < 0.84) return { body: pick(rand, ['{"a":', "{", "]", "\u0000", "{}}", '{"a":1,}', "\ufeff{}", "null", "[]", "1", '"s"']) };
  if (r < 0.9) return { body: "" };
  return { body: undefined };
}

function fillPath(path: string, rand: Rand): string {
  return path.replace(/:[A-Za-z0-9_]+/g, () => pick(rand, PATH_JUNK)).replace(/\*$/, "a/../b");
}

interface Outcome {
  failures: string[];
  statuses: Map<number, number>;
}

async function fuzz(seed: number, acct: TestAccount): Promise<Outcome> {
  const rand = prng(seed);
  // The API's routes: the dashboard answers HTML pages, fuzzed in test/dashboard/headers.test.ts.
  const routes = servedRoutes().filter((r) => !r.path.startsWith("/dashboard"));
  expect(routes.length).toBeGreaterThan(40);
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  for (let i = 0; i < REQUESTS_PER_SEED; i++) {
    const route = routes[i % routes.length] as { method: string; path: string };
    const method = rand() < 0.85 ? route.method : pick(rand, METHODS);
    const headers = new Headers();
    const who = rand();
    if (who < 0.6) headers.set("x-api-key", acct.key);
    else if (who < 0.8) headers.set("authorization", `Bearer ${ADMIN_TOKEN}`);
    else if (who < 0.9) headers.set("x-api-key", `dr_live_${pick(rand, NASTY_HEADER)}`);
    if (rand() < 0.25) headers.set("idempotency-key", rand() < 0.5 ? crypto.randomUUID() : pick(rand, NASTY_HEADER));
    if (rand() < 0.1) headers.set("x-request-id", pick(rand, NASTY_HEADER));
    const path = fillPath(route.path, rand) + (rand() < 0.3 ? pick(rand, QUERIES) : "");
    const hasBody = method !== "GET" && method !== "HEAD";
    const generated = hasBody ? body(rand) : { body: undefined };
    const ct = generated.forceType ?? pick(rand, CONTENT_TYPES);
    if (ct) headers.set("content-type", ct);
    const label = `seed ${seed} #${i}: ${method} ${path.slice(0, 120)} (${ct || "no type"})`;
    let res: Response;
    try {
      res = await call(path, { method, headers, body: generated.body });
    } catch (err) {
      failures.push(`${label} → threw ${String(err).slice(0, 200)}`);
      continue;
    }
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const text = await res.text();
    if (res.status >= 500) failures.push(`${label} → ${res.status} ${text.slice(0, 200)}`);
    if (res.status < 300) continue;
    let parsed: { code?: unknown; status?: unknown; requestId?: unknown; message?: unknown; error?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      failures.push(`${label} → ${res.status} non-JSON error body ${text.slice(0, 100)}`);
      continue;
    }
    if (route.path.startsWith(`${FASHN_BASE}/`)) {
      // The FASHN facade answers FASHN's API-level error format, not the envelope (docs/fashn-compat.md).
      if (!(FASHN_API_ERRORS as readonly unknown[]).includes(parsed.error) || typeof parsed.message !== "string") {
        failures.push(`${label} → ${res.status} not FASHN's {error, message}: ${text.slice(0, 200)}`);
      }
      continue;
    }
    const entry = typeof parsed.code === "string" ? ERROR_CATALOG[parsed.code as ErrorCode] : undefined;
    if (
      !entry ||
      entry.status !== res.status ||
      parsed.status !== res.status ||
      typeof parsed.message !== "string" ||
      parsed.requestId !== res.headers.get("x-request-id")
    ) {
      failures.push(`${label} → ${res.status} not the envelope with a catalog code: ${text.slice(0, 200)}`);
    }
  }
  return { failures, statuses };
}

describe("fuzz: nothing a client sends produces a 5xx or a charge", () => {
  it.each(SEEDS)(`${REQUESTS_PER_SEED} requests over every route (seed %i)`, async (seed) => {
    const acct = await createAccount({ key: { rateLimitPerMinute: 100000, rateLimitBurst: 100000 } });
    await grantCredits(acct.accountId, CREDITS);
    const { failures, statuses } = await fuzz(seed, acct);
    expect(failures).toEqual([]);
    // The mix reached the handlers, not only the door: validation, size and type refusals all occurred.
    for (const status of [400, 401, 404, 413, 415]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
    const gate = accountGate(env, acct.accountId);
    const { entries } = await gate.ledger(200);
    expect(entries.filter((e) => e.kind !== "grant")).toEqual([]);
    expect((await gate.summary()).balance).toBe(CREDITS);
  });
});
