import { describe, expect, it } from "vitest";
import { readPrefix } from "../../src/lib/bounded-read";

function chunked(chunks: number[][], opts: { failAfter?: number } = {}) {
  let pulled = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (opts.failAfter !== undefined && pulled >= opts.failAfter) return c.error(new Error("connection reset"));
        const next = chunks[pulled++];
        if (next) c.enqueue(Uint8Array.from(next));
        else c.close();
      },
      cancel() {
        cancelled = true;
      },
    },
    // Pulled on demand only, so `pulled` counts the reader's reads.
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled, cancelled: () => cancelled };
}

describe("readPrefix", () => {
  it("keeps the first bytes, stops pulling once it has them, and cancels the rest", async () => {
    const s = chunked([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    expect([...(await readPrefix(s.stream, 3))]).toEqual([1, 2, 3]);
    expect(s.pulled()).toBe(2);
    expect(s.cancelled()).toBe(true);
  });

  it("a short stream is read whole", async () => {
    const s = chunked([[1], [2]]);
    expect([...(await readPrefix(s.stream, 10))]).toEqual([1, 2]);
  });

  it("a stream cut short keeps what arrived before", async () => {
    const s = chunked(
      [
        [1, 2],
        [3, 4],
      ],
      { failAfter: 1 },
    );
    expect([...(await readPrefix(s.stream, 10))]).toEqual([1, 2]);
  });

  it("no stream is no bytes", async () => {
    expect((await readPrefix(null, 10)).byteLength).toBe(0);
  });
});
