import type { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../../../src/errors";
import { IMAGE_MAX_BYTES } from "../../../src/lib/image-intake";
import { signedFileUrl } from "../../../src/lib/signing";
import { ImageSchema } from "../../../src/schemas/images";
import { api, BASE, call, createAccount, env, expectEnvelope, readWire } from "../../helpers/harness";
import {
  GIF_BYTES,
  makeHeic,
  makeJpeg,
  makeJpegHeader,
  makePng,
  makePngHeader,
  makeWebp,
  PDF_BYTES,
  uploadForm,
  withExifOrientation,
} from "../../helpers/images";

type ImageBody = z.infer<typeof ImageSchema>;

function upload(acct: { key: string }, form: FormData) {
  return api(acct, "/images/upload", { method: "POST", body: form });
}

async function uploadOk(acct: { key: string }, form: FormData): Promise<ImageBody> {
  const res = await upload(acct, form);
  if (res.status !== 201) throw new Error(`upload failed ${res.status}: ${await res.text()}`);
  return await readWire(res, ImageSchema);
}

const pathOf = (absolute: string) => absolute.slice(BASE.length);

async function rowOf(id: string) {
  return env.DB.prepare("SELECT * FROM images WHERE id = ?").bind(id).first<Record<string, unknown>>();
}

describe("POST /images/upload", () => {
  it("stores each format with its sniffed type, dimensions and a signed URL", async () => {
    const acct = await createAccount();
    const cases: Array<[Uint8Array, string, number, number]> = [
      [await makePng(300, 400), "png", 300, 400],
      [await makeJpeg(320, 480), "jpeg", 320, 480],
      [await makeWebp(256, 300), "webp", 256, 300],
      [makeHeic(3024, 4032), "heic", 3024, 4032],
    ];
    for (const [bytes, format, width, height] of cases) {
      // A misleading filename and part type do not matter: the bytes decide.
      const body = await uploadOk(acct, uploadForm(bytes, {}, "photo.gif"));
      expect(body).toMatchObject({ format, width, height, keepForDays: 7 });
      expect(body.imageId).toMatch(/^img_/);
      expect(body.imageUrl).toMatch(new RegExp(`^${BASE}/tryon/v1/files/r7d/${acct.accountId}/person/${body.imageId}\\.`));
      const row = await rowOf(body.imageId);
      expect(row).toMatchObject({ account_id: acct.accountId, format, width, height, role: "person" });
      const obj = await env.BUCKET.get(row!.r2_key as string);
      expect(obj?.httpMetadata?.contentType).toBe(`image/${format}`);
      expect(new Uint8Array(await obj!.arrayBuffer())).toEqual(bytes);
      expect(Date.parse(body.expiresAt!) - Date.parse(body.createdAt)).toBe(7 * 86400_000);
    }
  });

  it("crop=true (default) records a centered 4:5 box; crop=false none; EXIF orientation is recorded", async () => {
    const acct = await createAccount();
    const wide = await uploadOk(acct, uploadForm(await makePng(1000, 500)));
    expect(wide.crop).toEqual({ x: 300, y: 0, width: 400, height: 500 });
    const tall = await uploadOk(acct, uploadForm(await makePng(400, 1000)));
    expect(tall.crop).toEqual({ x: 0, y: 250, width: 400, height: 500 });
    const none = await uploadOk(acct, uploadForm(await makePng(400, 1000), { crop: "false" }));
    expect(none.crop).toBeNull();
    const rotated = await uploadOk(acct, uploadForm(withExifOrientation(await makeJpeg(600, 300), 6)));
    expect(rotated.orientation).toBe(6);
    // Orientation 6 displays 300×600: the box is computed in the displayed frame.
    expect(rotated.crop).toEqual({ x: 0, y: 112, width: 300, height: 375 });
  });

  it("keepForDays / retentionDays and externalUserId / customerId aliases; conflicts are VALIDATION_FAILED", async () => {
    const acct = await createAccount();
    const png = await makePng(240, 240);
    const one = await uploadOk(acct, uploadForm(png, { keepForDays: "1", externalUserId: "u-1" }));
    expect(one).toMatchObject({ keepForDays: 1, externalUserId: "u-1" });
    expect(Date.parse(one.expiresAt!) - Date.parse(one.createdAt)).toBe(86400_000);
    expect(((await rowOf(one.imageId))!.r2_key as string).startsWith(`r1d/${acct.accountId}/`)).toBe(true);
    const old = await uploadOk(acct, uploadForm(png, { retentionDays: "3", customerId: "u-2" }));
    expect(old).toMatchObject({ keepForDays: 3, externalUserId: "u-2" });
    const same = await uploadOk(acct, uploadForm(png, { retentionDays: "3", keepForDays: "3" }));
    expect(same.keepForDays).toBe(3);
    const conflict = await expectEnvelope(await upload(acct, uploadForm(png, { retentionDays: "3", keepForDays: "7" })), 400, "VALIDATION_FAILED");
    expect(conflict.details).toEqual([{ path: "retentionDays", message: expect.any(String) }]);
    await expectEnvelope(await upload(acct, uploadForm(png, { customerId: "a", externalUserId: "b" })), 400, "VALIDATION_FAILED");
    const bad = await expectEnvelope(await upload(acct, uploadForm(png, { keepForDays: "5" })), 400, "VALIDATION_FAILED");
    expect((bad.details as { path: string }[])[0]?.path).toBe("keepForDays");
  });

  it("names unknown form fields in x-ignored-fields", async () => {
    const acct = await createAccount();
    const res = await upload(acct, uploadForm(await makePng(240, 240), { colour: "red" }));
    expect(res.status).toBe(201);
    expect(res.headers.get("x-ignored-fields")).toBe("colour");
  });

  it("works with an Idempotency-Key (the multipart body is still readable; a retry replays the same image)", async () => {
    const acct = await createAccount();
    const png = await makePng(260, 260);
    const send = () => api(acct, "/images/upload", { method: "POST", body: uploadForm(png), headers: { "idempotency-key": "upload-once-123456" } });
    const first = await send();
    expect(first.status).toBe(201);
    const a = await readWire(first, ImageSchema);
    const second = await send();
    expect(second.status).toBe(201);
    expect((await readWire(second, ImageSchema)).imageId).toBe(a.imageId);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM images WHERE account_id = ?").bind(acct.accountId).first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it("FILE_REQUIRED without a file part; UNSUPPORTED_MEDIA_TYPE for JSON", async () => {
    const acct = await createAccount();
    await expectEnvelope(await upload(acct, uploadForm(null, { crop: "true" })), 400, "FILE_REQUIRED");
    const textFile = new FormData();
    textFile.append("file", "not a file");
    await expectEnvelope(await upload(acct, textFile), 400, "FILE_REQUIRED");
    await expectEnvelope(await api(acct, "/images/upload", { method: "POST", json: { file: "x" } }), 415, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("each rejection code through the route, nothing stored", async () => {
    const acct = await createAccount();
    const jpeg = await makeJpeg(300, 300);
    const huge = new Uint8Array(IMAGE_MAX_BYTES + 1);
    huge.set(await makePng(300, 300));
    const cases: Array<[Uint8Array, number, ErrorCode]> = [
      [GIF_BYTES, 400, "UNSUPPORTED_IMAGE_TYPE"],
      [PDF_BYTES, 400, "UNSUPPORTED_IMAGE_TYPE"],
      [jpeg.subarray(0, jpeg.length - 50), 400, "INVALID_IMAGE"],
      [new Uint8Array(0), 400, "INVALID_IMAGE"],
      [huge, 413, "FILE_TOO_LARGE"],
      [await makePng(200, 200), 400, "IMAGE_DIMENSIONS_OUT_OF_RANGE"],
      [makeJpegHeader(8000, 10), 400, "IMAGE_DIMENSIONS_OUT_OF_RANGE"],
      [makePngHeader(60000, 60000), 400, "IMAGE_DIMENSIONS_OUT_OF_RANGE"],
    ];
    for (const [bytes, status, code] of cases) {
      const body = await expectEnvelope(await upload(acct, uploadForm(bytes)), status, code);
      if (code === "IMAGE_DIMENSIONS_OUT_OF_RANGE") expect(body.details).toEqual([expect.objectContaining({ path: "file", min: 240, max: 7680 })]);
    }
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM images WHERE account_id = ?").bind(acct.accountId).first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it("a streamed (chunked) body far over 10 MB is cut off with FILE_TOO_LARGE", async () => {
    const acct = await createAccount();
    const boundary = "xBOUNDARYx";
    const head = new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`);
    const chunk = new Uint8Array(1024 * 1024);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent === 0) c.enqueue(head);
        if (sent > 30) return c.close();
        sent++;
        c.enqueue(chunk);
      },
    });
    const res = await api(acct, "/images/upload", {
      method: "POST",
      body: stream,
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      duplex: "half",
    } as RequestInit);
    await expectEnvelope(res, 413, "FILE_TOO_LARGE");
  });
});

describe("GET /images/:imageId", () => {
  it("returns metadata and a fresh URL; other accounts and unknown ids are IMAGE_NOT_FOUND", async () => {
    const a = await createAccount();
    const b = await createAccount();
    const up = await uploadOk(a, uploadForm(await makePng(300, 375), { externalUserId: "shopper-9" }));
    const res = await api(a, `/images/${up.imageId}`);
    expect(res.status).toBe(200);
    const got = await readWire(res, ImageSchema);
    expect(got).toMatchObject({ imageId: up.imageId, width: 300, height: 375, format: "png", externalUserId: "shopper-9", expiresAt: up.expiresAt });
    expect(got.imageUrl).toContain(`/tryon/v1/files/r7d/${a.accountId}/`);
    await expectEnvelope(await api(b, `/images/${up.imageId}`), 404, "IMAGE_NOT_FOUND");
    await expectEnvelope(await api(a, "/images/img_doesnotexist"), 404, "IMAGE_NOT_FOUND");
  });

  it("an expired image is IMAGE_NOT_FOUND", async () => {
    const a = await createAccount();
    const up = await uploadOk(a, uploadForm(await makePng(300, 300)));
    await env.DB.prepare("UPDATE images SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, up.imageId)
      .run();
    await expectEnvelope(await api(a, `/images/${up.imageId}`), 404, "IMAGE_NOT_FOUND");
  });
});

describe("GET /files/… (signed URLs)", () => {
  it("round trip: the signed URL serves the same bytes, publicly, with type, ETag and private caching", async () => {
    const acct = await createAccount();
    const bytes = await makeJpeg(300, 300);
    const up = await uploadOk(acct, uploadForm(bytes));
    const res = await call(pathOf(up.imageUrl)); // no API key: the signature is the credential
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/jpeg");
    expect(res.headers.get("cache-control")).toMatch(/^private/);
    const etag = res.headers.get("etag");
    expect(etag).toBeTruthy();
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    const again = await call(pathOf(up.imageUrl), { headers: { "if-none-match": etag! } });
    expect(again.status).toBe(304);
    // A failed If-Match is not a revalidation: the file is served, never a misleading 304.
    const other = await call(pathOf(up.imageUrl), { headers: { "if-match": '"not-the-etag"' } });
    expect(other.status).toBe(200);
    expect(new Uint8Array(await other.arrayBuffer())).toEqual(bytes);
  });

  it("tampered signature, tampered expiry, expired URL, missing params → 403 FORBIDDEN envelope", async () => {
    const acct = await createAccount();
    const up = await uploadOk(acct, uploadForm(await makePng(300, 300)));
    const u = new URL(up.imageUrl);
    const sig = u.searchParams.get("sig")!;
    const exp = Number(u.searchParams.get("exp"));
    const key = decodeURIComponent(u.pathname.slice("/tryon/v1/files/".length));

    const tampered = new URL(u);
    tampered.searchParams.set("sig", (sig[0] === "A" ? "B" : "A") + sig.slice(1));
    await expectEnvelope(await call(tampered.pathname + tampered.search), 403, "FORBIDDEN");

    const later = new URL(u);
    later.searchParams.set("exp", String(exp + 3600));
    await expectEnvelope(await call(later.pathname + later.search), 403, "FORBIDDEN");

    const expired = signedFileUrl(env.FILE_SIGNING_SECRET, key, 60, Date.now() - 2 * 3600_000);
    await expectEnvelope(await call(expired.url), 403, "FORBIDDEN");

    await expectEnvelope(await call(u.pathname), 403, "FORBIDDEN");
  });

  it("paths with `..`, encoded slashes or outside the image prefixes → 403, even when validly signed", async () => {
    const acct = await createAccount();
    const up = await uploadOk(acct, uploadForm(await makePng(300, 300)));
    const u = new URL(up.imageUrl);
    const key = decodeURIComponent(u.pathname.slice("/tryon/v1/files/".length));
    const [cls, account, role] = key.split("/");
    const secret = env.FILE_SIGNING_SECRET;
    const q = u.search;
    // `..` to reach another account's object with this URL's signature: the key changes, the signature does not match.
    const other = await createAccount();
    const theirs = await uploadOk(other, uploadForm(await makePng(300, 300)));
    const theirKey = decodeURIComponent(new URL(theirs.imageUrl).pathname.slice("/tryon/v1/files/".length));
    const [, theirAccount, , theirFile] = theirKey.split("/");
    await expectEnvelope(await call(`/tryon/v1/files/${cls}/${account}/../${theirAccount}/${role}/${theirFile}${q}`), 403, "FORBIDDEN");
    await expectEnvelope(await call(`/tryon/v1/files/${cls}/${account}/%2E%2E/${theirAccount}/${role}/${theirFile}${q}`), 403, "FORBIDDEN");
    await expectEnvelope(await call(`/tryon/v1/files/${cls}/${account}/${role}/..%2F..%2F${theirAccount}%2F${role}%2F${theirFile}${q}`), 403, "FORBIDDEN");
    // An encoded slash smuggling `..` into one segment, signed with the real secret: still refused.
    const sneaky = `${cls}/..%2F..%2Fsecret`;
    const s1 = signedFileUrl(secret, `${cls}/../../secret`, 600);
    await expectEnvelope(await call(`/tryon/v1/files/${sneaky}${new URL(BASE + s1.url).search}`), 403, "FORBIDDEN");
    // A key outside the retention prefixes, validly signed: refused.
    await env.BUCKET.put("private/config.json", "{}");
    const s2 = signedFileUrl(secret, "private/config.json", 600);
    await expectEnvelope(await call(s2.url), 403, "FORBIDDEN");
  });

  it("a signed URL whose object was purged → IMAGE_NOT_FOUND", async () => {
    const acct = await createAccount();
    const up = await uploadOk(acct, uploadForm(await makePng(300, 300)));
    const row = await rowOf(up.imageId);
    await env.BUCKET.delete(row!.r2_key as string);
    await expectEnvelope(await call(pathOf(up.imageUrl)), 404, "IMAGE_NOT_FOUND");
  });
});
