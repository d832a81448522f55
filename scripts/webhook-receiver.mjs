#!/usr/bin/env node
// A local webhook receiver for trying Drape's webhooks end to end: a Node HTTP
// server on 127.0.0.1 that verifies every request with the `standardwebhooks`
// package (the same check your production receiver should make) and prints
// the event. It answers 2xx only for a verified, new event.
//
//   node scripts/webhook-receiver.mjs --secret whsec_…            # verify with this secret
//   DRAPE_API_KEY=dr_live_… node scripts/webhook-receiver.mjs     # fetch the account's default secret
//   DRAPE_API_KEY=dr_live_… node scripts/webhook-receiver.mjs --endpoint whe_…   # fetch that endpoint's secret
//
// Options: --port N (default 8788), --secret S (repeatable, e.g. old + new during a rotation),
// --base-url URL (default http://localhost:8787), --endpoint whe_…, --once (exit after the first event).
// Drape accepts http://localhost receivers only when ALLOW_LOOPBACK_FETCH=true (the `npm start` default).
//
// `startWebhookReceiver()` is exported so a demo script can run it in-process.
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { Webhook } from "standardwebhooks";

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Starts the receiver. `onEvent(event, meta)` is called once per verified, new
 * `webhook-id`. Resolves to { url, close }.
 */
export async function startWebhookReceiver({ port = 8788, secrets, onEvent = () => {}, log = console.log } = {}) {
  if (!secrets || secrets.length === 0) throw new Error("startWebhookReceiver: at least one whsec_ secret is needed");
  const verifiers = secrets.map((s) => new Webhook(s));
  const seen = new Set();

  const server = createServer((req, res) => {
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" }).end();
      return;
    }
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on("end", () => {
      // Verify the raw bytes exactly as received: re-serialised JSON would not match the signature.
      const raw = Buffer.concat(chunks).toString("utf8");
      const headers = {
        "webhook-id": String(req.headers["webhook-id"] ?? ""),
        "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
        "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
      };
      let event;
      let lastError;
      for (const wh of verifiers) {
        try {
          event = wh.verify(raw, headers); // checks the HMAC (constant time) and a ±5 min timestamp window
          break;
        } catch (err) {
          lastError = err;
        }
      }
      if (!event) {
        log(`✗ rejected ${headers["webhook-id"] || "(no webhook-id)"}: ${lastError?.message ?? "unverified"}`);
        res.writeHead(400, { "content-type": "text/plain" }).end("invalid signature\n");
        return;
      }
      // Retries reuse the webhook-id: acknowledge duplicates without processing them twice.
      const duplicate = seen.has(headers["webhook-id"]);
      seen.add(headers["webhook-id"]);
      res.writeHead(200, { "content-type": "application/json" }).end('{"received":true}\n');
      if (duplicate) {
        log(`↺ duplicate ${headers["webhook-id"]} (already processed)`);
        return;
      }
      log(`✓ verified ${event.type} ${headers["webhook-id"]}`);
      log(JSON.stringify(event, null, 2));
      onEvent(event, { id: headers["webhook-id"], timestamp: Number(headers["webhook-timestamp"]) });
    });
  });

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}/webhooks`;
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The signing secret from the API: an endpoint's, or the account's default (for per-request webhookUrl). */
export async function fetchSecret({ baseUrl, apiKey, endpointId }) {
  const path = endpointId ? `/tryon/v1/webhooks/${encodeURIComponent(endpointId)}/secret` : "/tryon/v1/webhooks/default-secret";
  const res = await fetch(`${baseUrl}${path}`, { headers: { "x-api-key": apiKey } });
  if (!res.ok) throw new Error(`GET ${path} → ${res.status} ${await res.text()}`);
  const body = await res.json();
  return body.secret;
}

function parseArgs(argv) {
  const opts = { port: 8788, secrets: [], baseUrl: process.env.DRAPE_BASE_URL ?? "http://localhost:8787", endpointId: undefined, once: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s);
    const value = () => inline ?? argv[++i];
    if (flag === "--port") opts.port = Number(value());
    else if (flag === "--secret") opts.secrets.push(value());
    else if (flag === "--base-url") opts.baseUrl = value();
    else if (flag === "--endpoint") opts.endpointId = value();
    else if (flag === "--once") opts.once = true;
    else throw new Error(`unknown option ${argv[i]}`);
  }
  if (process.env.WEBHOOK_SECRET) opts.secrets.push(...process.env.WEBHOOK_SECRET.split(",").filter(Boolean));
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.secrets.length === 0) {
    const apiKey = process.env.DRAPE_API_KEY;
    if (!apiKey) throw new Error("give --secret whsec_… (or WEBHOOK_SECRET), or set DRAPE_API_KEY to fetch the secret from the API");
    opts.secrets.push(await fetchSecret({ baseUrl: opts.baseUrl, apiKey, endpointId: opts.endpointId }));
  }
  const receiver = await startWebhookReceiver({
    port: opts.port,
    secrets: opts.secrets,
    onEvent: () => {
      if (opts.once) receiver.close().then(() => process.exit(0));
    },
  });
  console.log(`Webhook receiver listening on ${receiver.url} (verifying with ${opts.secrets.length} secret(s)); Ctrl-C to stop.`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
