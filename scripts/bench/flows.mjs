// What the bench does through the API: seed an account, prepare a try-on (or the accept path's
// request to replay), follow one to its end, receive its webhook, and watch the queue consumer drain.
import { startWebhookReceiver } from "../webhook-receiver.mjs";
import { smallPersonPng } from "./images.mjs";
import { ADMIN_TOKEN } from "./worker.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function json(res) {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return { raw: text };
  }
}

/** An account on `engine` with a key (rate limit raised: the bench measures throughput, not 429s) and credits. */
export async function seed(base, engine = "mock") {
  const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
  const acct = await json(
    await fetch(`${base}/admin/v1/accounts`, { method: "POST", headers: adminHeaders, body: JSON.stringify({ name: `Bench shop (${engine})`, engine }) }),
  );
  if (!acct.id) throw new Error(`account create failed: ${JSON.stringify(acct)}`);
  const key = await json(
    await fetch(`${base}/admin/v1/accounts/${acct.id}/keys`, {
      method: "POST",
      headers: adminHeaders,
      body: JSON.stringify({ name: "bench", rateLimitPerMinute: 100000, rateLimitBurst: 100000 }),
    }),
  );
  if (!key.key) throw new Error(`key create failed: ${JSON.stringify(key)}`);
  const grant = await fetch(`${base}/admin/v1/accounts/${acct.id}/credits`, {
    method: "POST",
    headers: adminHeaders,
    body: JSON.stringify({ amount: 1_000_000, reason: "benchmark", reference: `bench-${engine}` }),
  });
  if (!grant.ok) throw new Error(`credit grant failed: ${grant.status}`);
  return { accountId: acct.id, key: key.key };
}

/**
 * The deploy bundle swaps modules of the MCP SDK (wrangler.toml `[alias]`) that tests never load:
 * one JSON-RPC tools/list through /mcp proves the shipped server still answers. Returns the tool names.
 */
export async function mcpToolNames(base, key) {
  const res = await fetch(`${base}/mcp`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
  });
  const text = await res.text();
  const payload = text.startsWith("{") ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? "{}");
  const tools = JSON.parse(payload)?.result?.tools;
  if (!res.ok || !Array.isArray(tools) || tools.length === 0) throw new Error(`MCP tools/list on the bundle answered ${res.status}: ${text.slice(0, 300)}`);
  return tools.map((t) => t.name);
}

/**
 * Uploads a person image and a product (its garment image), makes one try-on to check the route,
 * and returns the request body to repeat. With the mock engine the product is titled "mock".
 */
export async function prepareTryOn(base, key, { person, personType = "image/png", garment, externalId = "bench-mock" }) {
  const form = new FormData();
  form.set("file", new Blob([person], { type: personType }), personType === "image/jpeg" ? "person.jpg" : "person.png");
  const up = await fetch(`${base}/tryon/v1/images/upload`, { method: "POST", headers: { "x-api-key": key }, body: form });
  const image = await json(up);
  if (!image.imageId) return { skip: `image upload answered ${up.status}: ${JSON.stringify(image).slice(0, 200)}` };
  const productForm = new FormData();
  productForm.set("data", JSON.stringify({ externalId, title: "mock", images: [{ source: { fileKey: "garment" } }] }));
  productForm.set("garment", new Blob([garment], { type: "image/png" }), "garment.png");
  const prod = await fetch(`${base}/tryon/v1/products`, { method: "POST", headers: { "x-api-key": key }, body: productForm });
  if (!prod.ok) return { skip: `product upsert answered ${prod.status}: ${(await prod.text()).slice(0, 200)}` };
  const body = { person: { image: { source: { id: image.imageId } } }, products: [{ externalId }] };
  const probe = await fetch(`${base}/tryon/v1/try-on`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const accepted = await json(probe);
  if (probe.status !== 202) return { skip: `try-on answered ${probe.status}: ${JSON.stringify(accepted).slice(0, 200)}` };
  return { body, generationId: accepted.generationId };
}

/**
 * The accept path's load: a funded mock shop on `base` and its try-on (a small uploaded photo, a
 * referenced product), returned as autocannon's options for replaying that POST /try-on.
 */
export async function acceptRequest(base) {
  const shop = await seed(base, "mock");
  const tryOn = await prepareTryOn(base, shop.key, { person: smallPersonPng(), garment: smallPersonPng() });
  if (!tryOn.body) throw new Error(`accept-path preparation failed: ${tryOn.skip}`);
  return {
    url: `${base}/tryon/v1/try-on`,
    method: "POST",
    headers: { "x-api-key": shop.key, "content-type": "application/json" },
    body: JSON.stringify(tryOn.body),
  };
}

/**
 * The reads the profiling scripts load, on `worker`: the bare route, a balance read and a poll of a
 * finished generation, for a funded mock shop seeded here. Returns row → [label, autocannon options].
 */
export async function readTargets(worker) {
  const shop = await seed(worker.base, "mock");
  const headers = { "x-api-key": shop.key };
  const tryOn = await prepareTryOn(worker.base, shop.key, { person: smallPersonPng(), garment: smallPersonPng() });
  await settle(worker.db, shop.accountId);
  return {
    bare: ["GET /healthz (bare)", { url: `${worker.base}/healthz` }],
    credits: ["GET /account/credits", { url: `${worker.base}/tryon/v1/account/credits`, headers }],
    generation: ["GET /generations/{id}, finished", { url: `${worker.base}/tryon/v1/generations/${tryOn.generationId}`, headers }],
  };
}

/** POST /try-on, then polls GET /generations/{id} every 25 ms: milliseconds from the request to a final status. */
export async function timeToFinal(base, key, body, { timeoutMs = 30_000 } = {}) {
  const started = performance.now();
  const res = await fetch(`${base}/tryon/v1/try-on`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const { generationId } = await json(res);
  if (!generationId) return { status: `HTTP ${res.status}`, ms: performance.now() - started };
  while (performance.now() - started < timeoutMs) {
    const g = await json(await fetch(`${base}/tryon/v1/generations/${generationId}`, { headers: { "x-api-key": key } }));
    if (g.status === "COMPLETED" || g.status === "FAILED") return { status: g.status, ms: performance.now() - started, generationId, error: g.error };
    await sleep(25);
  }
  return { status: "TIMEOUT", ms: performance.now() - started, generationId };
}

/**
 * Webhook latency: try-ons with a per-request `webhookUrl` on a local receiver (it verifies the
 * signature with the account's default secret); for each, the milliseconds from the generation's
 * `completed_at` (D1) to the verified delivery.
 */
export async function webhookLatencies(base, db, key, body, samples) {
  const secret = (await json(await fetch(`${base}/tryon/v1/webhooks/default-secret`, { headers: { "x-api-key": key } }))).secret;
  if (!secret) throw new Error("webhook bench: no default secret");
  const received = new Map();
  const receiver = await startWebhookReceiver({
    port: 0,
    secrets: [secret],
    log: () => {},
    onEvent: (event) => {
      const id = event?.data?.generationId ?? event?.data?.id;
      if (id && !received.has(id)) received.set(id, Date.now());
    },
  });
  const out = [];
  try {
    for (let i = 0; i < samples; i++) {
      const res = await fetch(`${base}/tryon/v1/try-on`, {
        method: "POST",
        headers: { "x-api-key": key, "content-type": "application/json" },
        body: JSON.stringify({ ...body, webhookUrl: receiver.url }),
      });
      const { generationId } = await json(res);
      if (!generationId) throw new Error(`webhook bench: try-on answered ${res.status}`);
      const deadline = Date.now() + 15_000;
      while (!received.has(generationId) && Date.now() < deadline) await sleep(10);
      const row = await db.prepare("SELECT completed_at AS completedAt FROM generations WHERE id = ?").bind(generationId).first();
      if (!received.has(generationId) || !row?.completedAt) throw new Error(`webhook bench: no delivery for ${generationId}`);
      out.push(received.get(generationId) - row.completedAt);
    }
  } finally {
    await receiver.close();
  }
  return out;
}

async function counts(db, accountId) {
  const row = await db
    .prepare(
      "SELECT SUM(CASE WHEN status IN ('COMPLETED','FAILED') THEN 1 ELSE 0 END) AS done, SUM(CASE WHEN status IN ('PENDING','PROCESSING') THEN 1 ELSE 0 END) AS pending FROM generations WHERE account_id = ?",
    )
    .bind(accountId)
    .first();
  return { done: Number(row?.done ?? 0), pending: Number(row?.pending ?? 0) };
}

/** Waits until the account has no PENDING or PROCESSING generation (or the time limit). */
export async function settle(db, accountId, timeoutMs = 20_000) {
  const t0 = performance.now();
  while ((await counts(db, accountId)).pending > 0 && performance.now() - t0 < timeoutMs) await sleep(100);
}

/**
 * The consumer's throughput: `fire()` accepts a burst of try-ons (the queue fills faster than it
 * drains), then this waits for all of them to finish and divides their number by the consumer's busy
 * window, from the first generation started to the last completed (D1's started_at/completed_at).
 * `acceptOverlapMs` says how much of that window the burst's own requests overlapped.
 */
export async function consumerRate(db, accountId, fire, { timeoutMs = 30_000 } = {}) {
  const since = Date.now();
  await fire();
  const acceptEnd = Date.now();
  const t0 = performance.now();
  while ((await counts(db, accountId)).pending > 0 && performance.now() - t0 < timeoutMs) await sleep(100);
  const row = await db
    .prepare(
      "SELECT COUNT(*) AS n, MIN(started_at) AS firstStart, MAX(completed_at) AS lastDone, SUM(CASE WHEN status = 'COMPLETED' THEN 1 ELSE 0 END) AS completed FROM generations WHERE account_id = ? AND created_at >= ?",
    )
    .bind(accountId, since)
    .first();
  const windowMs = Math.max(1, Number(row.lastDone) - Number(row.firstStart));
  return {
    generations: Number(row.n),
    completed: Number(row.completed),
    windowMs,
    perSecond: (Number(row.completed) * 1000) / windowMs,
    acceptOverlapMs: Math.max(0, acceptEnd - Number(row.firstStart)),
  };
}
