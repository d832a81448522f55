// Reading Linux `perf` samples of workerd's thread for scripts/thread-profile.mjs (docs/performance.md,
// "Thread profile"): which thread is the event loop, what part of the work a sample belongs to, and
// how long the garbage collector held the thread.

/**
 * `perf script -F tid,time,ip,sym` output → the samples of the busiest thread (workerd's event
 * loop), each { time (s), frames (symbol names, leaf first) }.
 */
export function mainThreadSamples(out) {
  const samples = [];
  let current = null;
  for (const line of out.split("\n")) {
    const frame = /^\t\s*([0-9a-f]+) (.*)$/.exec(line);
    const head = frame ? null : /^\s*(\d+)\s+([\d.]+):/.exec(line);
    if (frame && current) {
      // Kernel addresses (the top half of the address space) are marked, so the kernel is told apart.
      current.frames.push(frame[1].startsWith("ffffffff") ? `[k] ${frame[2]}` : frame[2]);
    } else if (head) {
      if (current) samples.push(current);
      current = { tid: Number(head[1]), time: Number(head[2]), frames: [] };
    }
  }
  if (current) samples.push(current);
  const perThread = new Map();
  for (const s of samples) perThread.set(s.tid, (perThread.get(s.tid) ?? 0) + 1);
  const main = [...perThread].sort((a, b) => b[1] - a[1])[0]?.[0];
  return samples.filter((s) => s.tid === main);
}

const GC = /Heap::|HeapTracer|Scavenge|MarkCompact|GarbageCollect/;
const SQLITE = /sqlite|Sqlite/;
const DISK = /fsync|fdatasync|xSync|blk_|blkdev|ext4|jbd2|iowrite/;
const HTTP = /hyper|HttpConnection|HttpServer|kj::HttpService|http::/i;
const RPC = /capnp|JsRpc|Rpc/;
const KERNEL = /^\[k\] /;

// partOf and gcPauses each read every sample (tens of thousands a row): a sample's frames are joined,
// and tested for GC, once, kept by its frames array (which nothing changes once the samples are parsed).
const readings = new WeakMap();
function reading(frames) {
  let r = readings.get(frames);
  if (r === undefined) {
    const all = frames.join("\n");
    r = { all, gc: GC.test(all) };
    readings.set(frames, r);
  }
  return r;
}

/** The part of the thread a sample belongs to; Drape's own JavaScript by its source file. */
export function partOf(frames, fileOf) {
  const { all, gc } = reading(frames);
  if (gc) return ["GC (every isolate)"];
  if (DISK.test(all)) return ["disk writes (SQLite's fsync)"];
  if (SQLITE.test(all)) return ["SQLite (D1 and the Durable Objects)"];
  const js = frames.find((f) => f.startsWith("JS:"));
  if (js) {
    const m = / ([^ ]+):(\d+):\d+$/.exec(js);
    const script = m?.[1] ?? "?";
    if (script === "index.js") return ["Drape's JavaScript", fileOf(Number(m[2]) - 1)];
    if (/^(cloudflare-internal|node-internal|workerd):/.test(script)) return ["workerd's built-in JavaScript (D1's client, node: modules)"];
    return ["Miniflare's workers (local D1, queues, routing)"];
  }
  if (HTTP.test(all)) return ["HTTP, native (the server, and subrequests to Miniflare's workers)"];
  if (RPC.test(all)) return ["RPC and I/O plumbing (native)"];
  if (KERNEL.test(frames[0] ?? "")) return ["kernel (network, syscalls)"];
  return ["other native (V8, workerd)"];
}

/** The longest runs of consecutive GC samples, in ms. */
export function gcPauses(samples, hz) {
  const pauses = [];
  let start = null;
  let last = null;
  const close = () => pauses.push((last - start) * 1000 + 1000 / hz);
  for (const s of samples) {
    if (reading(s.frames).gc) {
      start ??= s.time;
      last = s.time;
    } else if (start !== null) {
      close();
      start = null;
    }
  }
  // A pause still running when the recording stopped counts too, as far as it was seen.
  if (start !== null) close();
  return pauses.sort((a, b) => b - a);
}
