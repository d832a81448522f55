// The Chrome DevTools Protocol client the profiling scripts (bench:cpu, bench:heap) talk to workerd's
// inspector with, and a free local port for it.
import { createServer } from "node:net";

export const freePort = () =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket. */
export async function inspector(port) {
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
