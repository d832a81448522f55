import { toHex } from "./crypto";

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** The boundary parameter of a multipart Content-Type, or undefined. */
export function multipartBoundary(contentType: string | null): string | undefined {
  if (!/^multipart\//i.test(contentType ?? "")) return undefined;
  return /boundary="?([^";]+)"?/i.exec(contentType ?? "")?.[1];
}

/**
 * The idempotency fingerprint: SHA-256 (hex) of a request body as it streams
 * past. A multipart body is hashed with every occurrence of its boundary
 * removed: clients pick a fresh random boundary on every send, so a retry of
 * the same form must still match.
 *
 * Nothing is copied: each chunk is written to the digest as views of itself,
 * split around boundary occurrences. A boundary may straddle two chunks, so
 * the last (boundary length − 1) bytes of a chunk wait (as a view, too) until
 * the next chunk decides them. The result equals hashing the whole body with
 * every boundary removed left to right.
 */
export class BodyHasher {
  readonly #needle: Uint8Array;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #digest: Promise<ArrayBuffer>;
  #carry: Uint8Array = EMPTY;

  /** `sink` replaces the SHA-256 DigestStream (tests record what is written). */
  constructor(contentType: string | null, sink?: WritableStream<Uint8Array> & { digest?: Promise<ArrayBuffer> }) {
    const boundary = multipartBoundary(contentType);
    this.#needle = boundary ? encoder.encode(boundary) : EMPTY;
    const stream = sink ?? new crypto.DigestStream("SHA-256");
    this.#digest = stream.digest ?? Promise.resolve(new ArrayBuffer(0));
    this.#writer = stream.getWriter();
  }

  async write(chunk: Uint8Array): Promise<void> {
    const n = this.#needle.length;
    if (n === 0) return this.#emit(chunk);
    const carry = this.#carry;
    const total = carry.length + chunk.length;
    const at = (i: number): number | undefined => (i < carry.length ? carry[i] : chunk[i - carry.length]);
    const matchesAt = (i: number): boolean => {
      for (let j = 0; j < n; j++) if (at(i + j) !== this.#needle[j]) return false;
      return true;
    };
    let start = 0; // first byte not yet written or skipped
    let i = 0;
    const last = total - n; // the last position where a whole boundary fits
    while (i <= last) {
      if (i >= carry.length) {
        // Inside the chunk: let indexOf find the next candidate first byte natively.
        const next = chunk.indexOf(this.#needle[0] as number, i - carry.length);
        if (next === -1 || next + carry.length > last) {
          i = last + 1;
          break;
        }
        i = next + carry.length;
      }
      if (matchesAt(i)) {
        await this.#emitRange(carry, chunk, start, i);
        i += n;
        start = i;
      } else {
        i++;
      }
    }
    // Bytes from `i` on may begin a boundary that the next chunk completes.
    const hold = Math.max(start, Math.min(i, total));
    await this.#emitRange(carry, chunk, start, hold);
    this.#carry = hold >= carry.length ? chunk.subarray(hold - carry.length) : concat(carry.subarray(hold), chunk);
  }

  /** Writes what is held and returns the hex digest. */
  async finish(): Promise<string> {
    if (this.#carry.length > 0) await this.#emit(this.#carry);
    this.#carry = EMPTY;
    await this.#writer.close();
    return toHex(await this.#digest);
  }

  async #emitRange(carry: Uint8Array, chunk: Uint8Array, from: number, to: number): Promise<void> {
    if (from >= to) return;
    if (from < carry.length) await this.#emit(carry.subarray(from, Math.min(to, carry.length)));
    if (to > carry.length) await this.#emit(chunk.subarray(Math.max(from, carry.length) - carry.length, to - carry.length));
  }

  async #emit(view: Uint8Array): Promise<void> {
    if (view.length > 0) await this.#writer.write(view);
  }
}

/** Only when a chunk is shorter than the boundary can the held tail span two chunks (a copy of < 70 bytes). */
function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The fingerprint of a body already in memory (a JSON body, or any body of a route that takes no files). */
export async function bodyFingerprint(contentType: string | null, body: Uint8Array): Promise<string> {
  const hasher = new BodyHasher(contentType);
  await hasher.write(body);
  return hasher.finish();
}
