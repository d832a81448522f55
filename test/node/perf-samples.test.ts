import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { gcPauses, mainThreadSamples, partOf } from "../../scripts/bench/perf-samples.mjs";

type Sample = { tid: number; time: number; frames: string[] };
const parse = mainThreadSamples as (out: string) => Sample[];
const part = partOf as (frames: string[], fileOf: (line: number) => string) => string[];
const pauses = gcPauses as (samples: Sample[], hz: number) => number[];

/** One sample as `perf script -F tid,time,ip,sym` prints it: a header line, then one tab-indented frame per line, leaf first. */
const sample = (tid: number, time: number, frames: Array<[string, string]>) =>
  [`${String(tid).padStart(5)} ${time.toFixed(6)}: `, ...frames.map(([ip, sym]) => `\t${ip.padStart(16)} ${sym}`), ""].join("\n");

const fileOf = (line: number) => (line < 100 ? "hono" : "src/lib/crypto.ts");

/** A sample at `time` (s), in the garbage collector or in JavaScript. */
const at = (time: number, gc: boolean): Sample => ({ tid: 1, time, frames: [gc ? "v8::internal::Heap::CollectGarbage" : "JS:*f index.js:1:1"] });

describe("perf samples of workerd's thread (scripts/bench/perf-samples.mjs)", () => {
  it("keeps the busiest thread's samples, frames leaf first, kernel frames marked", () => {
    const out = [
      sample(700, 1.0, [
        ["ffffffff81e80294", "__sys_accept4"],
        ["10afa8", "accept4"],
      ]),
      sample(700, 1.0002, [["249ea27", "workerd_server::listen::HttpConnection::request"]]),
      sample(701, 1.0003, [["66e5705", "v8::internal::ConcurrentMarking::Run"]]),
      sample(700, 1.0004, [["4a6af61", "JS:*sha256Hex index.js:120:5"]]),
    ].join("\n");
    const samples = parse(out);
    expect(samples.map((s) => s.time)).toEqual([1.0, 1.0002, 1.0004]);
    expect(samples.every((s) => s.tid === 700)).toBe(true);
    expect(samples[0]?.frames).toEqual(["[k] __sys_accept4", "accept4"]);
  });

  it("attributes a sample to GC first, then storage, then the nearest JavaScript frame, then native work", () => {
    expect(part(["v8::internal::Heap::Scavenge", "JS:*handler index.js:50:1"], fileOf)).toEqual(["GC (every isolate)"]);
    expect(part(["[k] blkdev_issue_flush", "workerd::SqliteDatabase::Vfs::xSync"], fileOf)).toEqual(["disk writes (SQLite's fsync)"]);
    expect(part(["sqlite3VdbeExec", "JS:*reserve index.js:150:1"], fileOf)).toEqual(["SQLite (D1 and the Durable Objects)"]);
    // Bundle lines are 1-based in perf's map, 0-based in the file index.
    expect(part(["Builtins_ArrayMap", "JS:*sha256Hex index.js:101:5"], fileOf)).toEqual(["Drape's JavaScript", "src/lib/crypto.ts"]);
    expect(part(["JS:~toJson cloudflare-internal:d1-api:10:2", "JS:*run index.js:50:1"], fileOf)).toEqual([
      "workerd's built-in JavaScript (D1's client, node: modules)",
    ]);
    expect(part(["JS:+'batch database.worker.js:81:3"], fileOf)).toEqual(["Miniflare's workers (local D1, queues, routing)"]);
    expect(part(["kj::HttpServer::Connection::loop", "workerd_server::listen::HttpConnection::request"], fileOf)[0]).toMatch(/^HTTP, native/);
    expect(part(["[k] tcp_sendmsg", "kj::AsyncStreamFd::write"], fileOf)).toEqual(["kernel (network, syscalls)"]);
    expect(part(["tcmalloc::FreeSmallSlow"], fileOf)).toEqual(["other native (V8, workerd)"]);
  });

  it("measures GC pauses as runs of consecutive GC samples, longest first", () => {
    const hz = 1000; // one sample a millisecond
    const samples = [at(0, false), at(0.001, true), at(0.002, true), at(0.003, true), at(0.004, false), at(0.005, true), at(0.006, false)];
    expect(pauses(samples, hz)).toEqual([3, 1]);
  });

  it("counts a GC run still open at the last sample", () => {
    const hz = 1000; // one sample a millisecond
    expect(pauses([at(0, true), at(0.001, false), at(0.002, true), at(0.003, true)], hz)).toEqual([2, 1]);
    expect(pauses([at(0, true)], hz)).toEqual([1]);
  });
});
