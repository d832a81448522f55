import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors";
import { BodyHasher, bodyFingerprint } from "../../src/lib/fingerprint";
import { type FormLimits, readMultipartForm } from "../../src/lib/multipart-form";
import { prng } from "../helpers/prng";

const enc = new TextEncoder();
const MB = 1024 * 1024;

/** The fingerprint as first specified: the whole body in memory, every boundary removed left to right, then SHA-256. */
async function referenceFingerprint(boundary: string, body: Uint8Array): Promise<string> {
  const needle = enc.encode(boundary);
  const out: number[] = [];
  for (let i = 0; i < body.length; ) {
    let match = i + needle.length <= body.length;
    for (let j = 0; match && j < needle.length; j++) match = body[i + j] === needle[j];
    if (match) i += needle.length;
    else out.push(body[i++] as number);
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(out)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Cuts `body` into chunks of random sizes (1 byte up to `max`), as a network would. */
function chunked(body: Uint8Array, rand: () => number, max: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let o = 0; o < body.length; ) {
    const n = 1 + Math.floor(rand() * max);
    chunks.push(body.slice(o, o + n)); // each chunk its own buffer, like a stream's
    o += n;
  }
  return chunks;
}

function streamOf(chunks: Uint8Array[], onPull?: () => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      onPull?.();
      const next = chunks[i++];
      if (next) c.enqueue(next);
      else c.close();
    },
  });
}

/** A multipart/form-data body: `data` JSON and file parts of the given sizes (deterministic bytes). */
function formBody(boundary: string, data: string, files: Array<[string, number]>, extra = ""): Uint8Array {
  const pieces: Uint8Array[] = [enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n${data}\r\n`)];
  for (const [name, size] of files) {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) bytes[i] = (i / 4096 + name.length) & 255;
    pieces.push(
      enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.png"\r\nContent-Type: image/png\r\n\r\n`),
      bytes,
      enc.encode("\r\n"),
    );
  }
  pieces.push(enc.encode(`${extra}--${boundary}--\r\n`));
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of pieces) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const LIMITS: FormLimits = { maxBytes: 4 * 10 * MB + MB, maxFileBytes: 10 * MB, maxTextBytes: MB, maxParts: 27 };

describe("idempotency fingerprint, streamed", () => {
  it("equals the whole-body fingerprint for any chunking, boundaries straddling chunk edges included", async () => {
    const rand = prng(0x5eed_0005);
    const boundary = "----formdata-abc123XYZ";
    for (let round = 0; round < 40; round++) {
      // Random bytes with boundaries, partial boundaries and boundary-like runs mixed in.
      const pieces: string[] = [];
      for (let k = 0; k < 30; k++) {
        const r = rand();
        if (r < 0.3) pieces.push(`--${boundary}\r\n`);
        else if (r < 0.45) pieces.push(boundary.slice(0, 1 + Math.floor(rand() * (boundary.length - 1))));
        else if (r < 0.55) pieces.push(boundary + boundary.slice(0, 5));
        else pieces.push(String.fromCharCode(...Array.from({ length: Math.floor(rand() * 40) }, () => 32 + Math.floor(rand() * 90))));
      }
      const body = enc.encode(pieces.join(""));
      const contentType = `multipart/form-data; boundary=${boundary}`;
      const hasher = new BodyHasher(contentType);
      for (const chunk of chunked(body, rand, round % 2 === 0 ? 8 : 200)) await hasher.write(chunk);
      expect(await hasher.finish()).toBe(await referenceFingerprint(boundary, body));
    }
  });

  it("writes views of the chunks it is given, never a copy (only a tail shorter than the boundary may be joined)", async () => {
    const rand = prng(0x5eed_0006);
    const boundary = "b0undary-xyz";
    const body = formBody(boundary, '{"a":1}', [
      ["front", 300_000],
      ["back", 200_000],
    ]);
    const chunks = chunked(body, rand, 64 * 1024);
    const written: Uint8Array[] = [];
    const sink = new WritableStream<Uint8Array>({ write: (v) => void written.push(v) });
    const hasher = new BodyHasher(`multipart/form-data; boundary=${boundary}`, sink);
    for (const chunk of chunks) await hasher.write(chunk);
    await hasher.finish();
    const sources = new Set(chunks.map((c) => c.buffer));
    const copies = written.filter((v) => !sources.has(v.buffer as ArrayBuffer));
    expect(copies.every((v) => v.byteLength < boundary.length)).toBe(true);
    expect(written.reduce((n, v) => n + v.byteLength, 0)).toBe(body.length - 4 * boundary.length); // 3 parts (data, front, back) + the closing line
  });
});

describe("readMultipartForm: one read, parts as the only copy", () => {
  it("the largest accepted form (4 × 10 MB + data) holds at most body + one part, and each part is its own exact buffer", async () => {
    const boundary = "largest-form-boundary";
    const body = formBody(boundary, JSON.stringify({ products: [{ title: "x" }] }), [
      ["person", 10 * MB],
      ["p0", 10 * MB],
      ["p1", 10 * MB],
      ["p2", 10 * MB - 4096],
    ]);
    expect(body.length).toBeLessThanOrEqual(LIMITS.maxBytes);
    const chunks = chunked(body, prng(0x5eed_0007), 64 * 1024);
    const read = await readMultipartForm(streamOf(chunks), `multipart/form-data; boundary=${boundary}`, LIMITS, { fingerprint: true });
    if (read.form instanceof ApiError) throw read.form;
    expect(read.bodyBytes).toBe(body.length);
    const parts = [...read.form.files.values()];
    expect(parts.map((p) => p.bytes.byteLength)).toEqual([10 * MB, 10 * MB, 10 * MB, 10 * MB - 4096]);
    // A view into a body-sized buffer would keep the whole body alive behind each part.
    for (const p of parts) expect(p.bytes.buffer.byteLength).toBe(p.bytes.byteLength);
    expect(read.form.fields.get("data")).toBe(JSON.stringify({ products: [{ title: "x" }] }));
    // The budget of docs/limits.md: the body once, plus one part while it is joined.
    const partsTotal = parts.reduce((n, p) => n + p.bytes.byteLength, 0);
    expect(read.peakHeldBytes).toBeGreaterThanOrEqual(partsTotal);
    expect(read.peakHeldBytes).toBeLessThanOrEqual(body.length + LIMITS.maxFileBytes);
    // Same fingerprint as the body hashed whole, and as a resend with a fresh boundary.
    expect(read.fingerprint).toBe(await bodyFingerprint(`multipart/form-data; boundary=${boundary}`, body));
    const again = formBody("another-boundary-42", JSON.stringify({ products: [{ title: "x" }] }), [
      ["person", 10 * MB],
      ["p0", 10 * MB],
      ["p1", 10 * MB],
      ["p2", 10 * MB - 4096],
    ]);
    expect(read.fingerprint).toBe(await bodyFingerprint("multipart/form-data; boundary=another-boundary-42", again));
  });

  it("a malformed form is returned as VALIDATION_FAILED after the whole body was hashed", async () => {
    const body = enc.encode("this is not --multipart at all\r\n");
    const read = await readMultipartForm(streamOf([body]), "multipart/form-data; boundary=zzz", LIMITS, { fingerprint: true });
    expect(read.form).toBeInstanceOf(ApiError);
    expect((read.form as ApiError).code).toBe("VALIDATION_FAILED");
    expect(read.fingerprint).toBe(await bodyFingerprint("multipart/form-data; boundary=zzz", body));
  });

  it("stops reading past the cap (FILE_TOO_LARGE) instead of buffering the rest", async () => {
    const limits = { ...LIMITS, maxBytes: 2 * MB };
    const chunk = new Uint8Array(64 * 1024);
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (++pulls > 1000) return c.close();
        c.enqueue(pulls === 1 ? enc.encode('--b\r\nContent-Disposition: form-data; name="f"; filename="f"\r\n\r\n') : chunk);
      },
    });
    await expect(readMultipartForm(stream, "multipart/form-data; boundary=b", limits, { fingerprint: true })).rejects.toMatchObject({ code: "FILE_TOO_LARGE" });
    expect(pulls).toBeLessThan(40); // 2 MB / 64 KB + the read-ahead, not the 60 MB on offer
  });

  it("size limits per part: a file over 10 MB is FILE_TOO_LARGE, a text part over 1 MB PAYLOAD_TOO_LARGE, too many parts VALIDATION_FAILED", async () => {
    const ct = "multipart/form-data; boundary=q";
    const big = formBody("q", "{}", [["f", 10 * MB + 1]]);
    await expect(readMultipartForm(streamOf([big]), ct, LIMITS, { fingerprint: false })).rejects.toMatchObject({ code: "FILE_TOO_LARGE" });
    const longData = formBody("q", "x".repeat(MB + 1), []);
    await expect(readMultipartForm(streamOf([longData]), ct, LIMITS, { fingerprint: false })).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    const many = formBody(
      "q",
      "{}",
      Array.from({ length: 30 }, (_, i): [string, number] => [`f${i}`, 10]),
    );
    const read = await readMultipartForm(streamOf([many]), ct, LIMITS, { fingerprint: false });
    expect(read.form).toMatchObject({ code: "VALIDATION_FAILED" });
  });
});
