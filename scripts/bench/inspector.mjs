// What the profiling scripts (bench:cpu, bench:heap) share: an unminified deploy bundle served with
// workerd's inspector open, and the Chrome DevTools Protocol client they talk to it with.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBundle } from "../bundle-report.mjs";
import { fileIndex } from "./bundle-lines.mjs";
import { startWorker } from "./worker.mjs";

const freePort = () =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket. */
async function inspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = targets.find((t) => String(t.id ?? t.title ?? "").includes("drape")) ?? targets[0];
  // The inspector proxy accepts only a local Origin (DNS-rebinding protection); Node's WebSocket takes headers.
  const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { origin: "http://localhost" } });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let next = 1;
  const pending = new Map();
  ws.onmessage = async (ev) => {
    const text = typeof ev.data === "string" ? ev.data : await new Response(ev.data).text();
    const msg = JSON.parse(text);
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    }
  };

  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, (msg) => (msg.error ? reject(new Error(`${method}: ${msg.error.message}`)) : resolve(msg.result)));
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

/**
 * Runs `body({ worker, cdp, fileOf })` against an UNminified deploy bundle served as the bench serves
 * it, with workerd's inspector connected (`fileOf` maps a bundle line to its source file), and
 * cleans up after. `workerOptions` go to startWorker.
 */
export async function withProfiledWorker(workerOptions, body) {
  const outdir = mkdtempSync(join(tmpdir(), "drape-profile-"));
  let worker;
  let cdp;
  try {
    buildBundle(outdir, ["--no-minify"]);
    const fileOf = fileIndex(readFileSync(join(outdir, "index.js"), "utf8"));
    const port = await freePort();
    worker = await startWorker(outdir, { ...workerOptions, inspectorPort: port });
    cdp = await inspector(port);
    return await body({ worker, cdp, fileOf });
  } finally {
    cdp?.close();
    await worker?.mf.dispose();
    rmSync(outdir, { recursive: true, force: true });
  }
}
