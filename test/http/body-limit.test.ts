import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { accountGate } from "../../src/durable/account-gate/client";
import { formLimitsOf, IMAGE_MAX_BYTES, JSON_MAX_BYTES, MULTIPART_CEILING_BYTES } from "../../src/http/body-limit";
import { TryOnAcceptedSchema } from "../../src/schemas/tryon-generations";
import { api, createAccount, env, expectEnvelope, readWire, type TestAccount } from "../helpers/harness";
import { concat, crc32, makePng } from "../helpers/images";
import { captureGenerationQueue, silenceWebhookQueue } from "../helpers/pipeline";
import { grantCredits } from "../services/credits/helpers";

const enc = new TextEncoder();
const MB = 1024 * 1024;

let queue: ReturnType<typeof captureGenerationQueue>;
let restoreWebhooks: () => void;
beforeEach(() => {
  queue = captureGenerationQueue();
  restoreWebhooks = silenceWebhookQueue();
});
afterEach(() => {
  queue.restore();
  restoreWebhooks();
});

type Part = { name: string; text: string } | { name: string; filename: string; bytes: Uint8Array };

/** A multipart/form-data body with an explicit boundary (a client picks a fresh one per send). */
function formBody(boundary: string, parts: Part[]): Uint8Array {
  const pieces: Uint8Array[] = [];
  for (const p of parts) {
    if ("text" in p) pieces.push(enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.text}\r\n`));
    else
      pieces.push(
        enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: image/png\r\n\r\n`),
        p.bytes,
        enc.encode("\r\n"),
      );
  }
  pieces.push(enc.encode(`--${boundary}--\r\n`));
  return concat(...pieces);
}

/** The body as a network delivers it: 64 KB chunks, no Content-Length. */
function streamed(body: Uint8Array): ReadableStream<Uint8Array> {
  let o = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (o >= body.length) return c.close();
      c.enqueue(body.slice(o, o + 64 * 1024));
      o += 64 * 1024;
    },
  });
}

function send(acct: TestAccount, path: string, boundary: string, body: Uint8Array | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) {
  return api(acct, path, {
    method: "POST",
    body,
    headers: { "content-type": `multipart/form-data; boundary=${boundary}`, ...headers },
    duplex: "half",
  } as RequestInit);
}

/** A valid PNG padded to exactly `size` bytes with a private ancillary chunk (viewers skip it). */
async function pngOfSize(size: number, seed: number): Promise<Uint8Array> {
  const base = await makePng(260 + seed, 260);
  const padLength = size - base.length - 12;
  const td = new Uint8Array(4 + padLength);
  td.set(enc.encode("drPd"));
  td[4 + (seed % padLength)] = seed; // distinct bytes per image
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, padLength);
  const crc = new Uint8Array(4);
  new DataView(crc.buffer).setUint32(0, crc32(td));
  return concat(base.subarray(0, 33), len, td, crc, base.subarray(33)); // after the 8-byte signature and 25-byte IHDR
}

async function reserves(accountId: string): Promise<number> {
  const { entries } = await accountGate(env, accountId).ledger(100);
  return entries.filter((e) => e.kind === "reserve").length;
}

describe("multipart caps per route", () => {
  it("each route's cap comes from what it accepts; routes that take no files have none", () => {
    expect(formLimitsOf("POST /tryon/v1/images/upload")?.maxBytes).toBe(IMAGE_MAX_BYTES + 64 * 1024);
    expect(formLimitsOf("POST /tryon/v1/products")?.maxBytes).toBe(MULTIPART_CEILING_BYTES);
    expect(formLimitsOf("POST /tryon/v1/try-on")?.maxBytes).toBe(MULTIPART_CEILING_BYTES);
    expect(formLimitsOf("POST /tryon/v1/try-on/sync")?.maxBytes).toBe(MULTIPART_CEILING_BYTES);
    expect(formLimitsOf("POST /tryon/v1/webhooks")).toBeNull();
    expect(formLimitsOf("POST /admin/v1/accounts")).toBeNull();
  });

  it("a multipart body to a route that takes no files gets the 1 MB JSON cap, by Content-Length and while streaming", async () => {
    const acct = await createAccount();
    const body = formBody("nf", [{ name: "data", text: "x".repeat(2 * MB) }]);
    await expectEnvelope(await send(acct, "/webhooks", "nf", body), 413, "PAYLOAD_TOO_LARGE");
    await expectEnvelope(await send(acct, "/webhooks", "nf", streamed(body), { "idempotency-key": crypto.randomUUID() }), 413, "PAYLOAD_TOO_LARGE");
    await expectEnvelope(await send(acct, "/account/credits", "nf", body), 413, "PAYLOAD_TOO_LARGE");
  });

  it("an upload over its 10 MB + fields cap is FILE_TOO_LARGE by Content-Length; products and try-on over 41 MB too", async () => {
    const acct = await createAccount();
    const over = (n: number) => ({ "content-length": String(n) });
    const tiny = formBody("c", [{ name: "data", text: "{}" }]);
    await expectEnvelope(await send(acct, "/images/upload", "c", tiny, over(IMAGE_MAX_BYTES + 64 * 1024 + 1)), 413, "FILE_TOO_LARGE");
    await expectEnvelope(await send(acct, "/products", "c", tiny, over(MULTIPART_CEILING_BYTES + 1)), 413, "FILE_TOO_LARGE");
    await expectEnvelope(await send(acct, "/try-on/sync", "c", tiny, over(MULTIPART_CEILING_BYTES + 1)), 413, "FILE_TOO_LARGE");
  });

  it("a `data` part over 1 MB is PAYLOAD_TOO_LARGE; more parts than the route takes is VALIDATION_FAILED", async () => {
    const acct = await createAccount();
    await expectEnvelope(await send(acct, "/products", "d", formBody("d", [{ name: "data", text: " ".repeat(JSON_MAX_BYTES + 1) }])), 413, "PAYLOAD_TOO_LARGE");
    const many: Part[] = Array.from({ length: 40 }, (_, i) => ({ name: `f${i}`, text: "1" }));
    const body = await expectEnvelope(await send(acct, "/products", "d", formBody("d", [{ name: "data", text: "{}" }, ...many])), 400, "VALIDATION_FAILED");
    expect(body.message).toContain("parts");
  });
});

describe("Idempotency-Key on a multipart try-on", () => {
  async function setup() {
    const acct = await createAccount();
    await grantCredits(acct.accountId, 5);
    const person = await pngOfSize(600_000, 1);
    const front = await pngOfSize(500_000, 2);
    const data = JSON.stringify({
      person: { image: { source: { fileKey: "person" } } },
      products: [{ title: "Shirt", images: [{ source: { fileKey: "front" } }] }],
    });
    const form = (boundary: string, frontBytes = front) =>
      formBody(boundary, [
        { name: "data", text: data },
        { name: "person", filename: "me.png", bytes: person },
        { name: "front", filename: "front.png", bytes: frontBytes },
      ]);
    return { acct, form, front };
  }

  it("a retry with a fresh random boundary replays; the same key with other bytes is 422; one charge", async () => {
    const { acct, form, front } = await setup();
    const key = crypto.randomUUID();
    const first = await send(acct, "/try-on", "first-boundary-111", streamed(form("first-boundary-111")), { "idempotency-key": key });
    expect(first.status).toBe(202);
    const again = await send(acct, "/try-on", "second-boundary-2222", form("second-boundary-2222"), { "idempotency-key": key });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await readWire(again, TryOnAcceptedSchema)).toEqual(await readWire(first, TryOnAcceptedSchema));
    const other = front.slice();
    other[other.length - 20] = (other[other.length - 20] ?? 0) ^ 1; // one bit of the image data
    await expectEnvelope(await send(acct, "/try-on", "third", form("third", other), { "idempotency-key": key }), 422, "IDEMPOTENCY_KEY_REUSED");
    expect(await reserves(acct.accountId)).toBe(1);
  });

  it("a malformed form with a key is VALIDATION_FAILED and frees the key for the corrected request", async () => {
    const { acct, form } = await setup();
    const key = crypto.randomUUID();
    const broken = form("bbb").subarray(0, 5000); // cut off mid-part: no closing boundary
    await expectEnvelope(await send(acct, "/try-on", "bbb", broken, { "idempotency-key": key }), 400, "VALIDATION_FAILED");
    const fixed = await send(acct, "/try-on", "bbb", form("bbb"), { "idempotency-key": key });
    expect(fixed.status).toBe(202);
    expect(fixed.headers.get("idempotent-replayed")).toBeNull();
    expect(await reserves(acct.accountId)).toBe(1);
  });
});

describe("memory budget of the largest accepted request (docs/limits.md)", () => {
  it("a 4 × 10 MB multipart try-on with an Idempotency-Key holds at most body + one image, and is accepted once", async () => {
    const acct = await createAccount();
    await grantCredits(acct.accountId, 5);
    const images = await Promise.all([1, 2, 3, 4].map((s) => pngOfSize(IMAGE_MAX_BYTES, s)));
    const data = JSON.stringify({
      person: { image: { source: { fileKey: "person" } } },
      products: [{ title: "Big", images: ["p0", "p1", "p2"].map((k) => ({ source: { fileKey: k } })) }],
    });
    const form = (boundary: string) =>
      formBody(boundary, [
        { name: "data", text: data },
        { name: "person", filename: "me.png", bytes: images[0] as Uint8Array },
        ...["p0", "p1", "p2"].map((name, i) => ({ name, filename: `${name}.png`, bytes: images[i + 1] as Uint8Array })),
      ]);
    const body = form("largest-1");
    expect(body.length).toBeGreaterThan(4 * IMAGE_MAX_BYTES);
    expect(body.length).toBeLessThanOrEqual(MULTIPART_CEILING_BYTES);

    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const key = crypto.randomUUID();
    let res: Response;
    try {
      res = await send(acct, "/try-on", "largest-1", streamed(body), { "idempotency-key": key });
    } finally {
      spy.mockRestore();
    }
    expect(res.status).toBe(202);
    const log = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === "request" && l.route === "/tryon/v1/try-on");
    const peak = log?.bodyPeakBytes as number;
    // Held at once: the four images (the body's only copy) and, for a moment, one image being joined.
    expect(peak).toBeGreaterThanOrEqual(4 * IMAGE_MAX_BYTES);
    expect(peak).toBeLessThanOrEqual(body.length + IMAGE_MAX_BYTES);

    // Every byte landed: the stored person photo is the 10 MB sent.
    const { generationId } = await readWire(res, TryOnAcceptedSchema);
    const gen = await env.DB.prepare("SELECT person_image_id AS id FROM generations WHERE id = ?").bind(generationId).first<{ id: string }>();
    const image = await env.DB.prepare("SELECT r2_key AS k FROM images WHERE id = ?").bind(gen?.id).first<{ k: string }>();
    const stored = await env.BUCKET.get(image?.k ?? "");
    expect(new Uint8Array((await stored?.arrayBuffer()) ?? new ArrayBuffer(0))).toEqual(images[0]);

    const again = await send(acct, "/try-on", "largest-2", form("largest-2"), { "idempotency-key": key });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await reserves(acct.accountId)).toBe(1);
  }, 90_000); // 80 MB through the Worker twice: slow on a loaded 2-core CI machine
});
