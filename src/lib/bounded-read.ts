/**
 * The one bounded reader of byte streams (request and response bodies): it
 * stops pulling as soon as it has what it needs, so no body is buffered past
 * its cap, and cancels the rest.
 */

/** The whole stream; once more than `maxBytes` arrived, throws the error `onTooLarge` returns. */
export async function readLimited(stream: ReadableStream<Uint8Array> | null, maxBytes: number, onTooLarge: () => Error): Promise<Uint8Array> {
  const read = await pull(stream, maxBytes + 1, "throw");
  if (read.total > maxBytes) throw onTooLarge();
  return concat(read.chunks, read.total);
}

/** The first `maxBytes` of a stream (a response snippet); a stream that fails midway keeps what arrived before. */
export async function readPrefix(stream: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array> {
  const read = await pull(stream, maxBytes, "keep");
  return concat(read.chunks, read.total).subarray(0, maxBytes);
}

/** Reads until the end or until `enough` bytes arrived, whichever comes first; cancels the stream if it stopped early. */
async function pull(
  stream: ReadableStream<Uint8Array> | null,
  enough: number,
  onReadError: "throw" | "keep",
): Promise<{ chunks: Uint8Array[]; total: number }> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (!stream) return { chunks, total };
  const reader = stream.getReader();
  let done = false;
  try {
    while (total < enough) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        break;
      }
      chunks.push(next.value);
      total += next.value.byteLength;
    }
  } catch (err) {
    if (onReadError === "throw") throw err;
  } finally {
    if (!done) reader.cancel().catch(() => undefined);
  }
  return { chunks, total };
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
