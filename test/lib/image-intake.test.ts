import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors";
import { readLimited } from "../../src/lib/bounded-read";
import { IMAGE_MAX_BYTES, inspectImage } from "../../src/lib/image-intake";
import { concat, GIF_BYTES, makeHeic, makeJpeg, makeJpegHeader, makePng, makePngHeader, makeWebp, PDF_BYTES, withExifOrientation } from "../helpers/images";

function codeOf(fn: () => unknown): { code: string; details: unknown; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return { code: err.code, details: err.details, message: err.message };
    throw err;
  }
  throw new Error("expected an ApiError");
}

describe("inspectImage: accepted formats, header-only dimensions", () => {
  it("PNG", async () => {
    const info = inspectImage(await makePng(300, 400));
    expect(info).toMatchObject({ format: "png", contentType: "image/png", width: 300, height: 400, orientation: null });
  });

  it("JPEG, with and without EXIF orientation", async () => {
    const jpeg = await makeJpeg(320, 480);
    expect(inspectImage(jpeg)).toMatchObject({ format: "jpeg", contentType: "image/jpeg", width: 320, height: 480, orientation: null, byteSize: jpeg.length });
    expect(inspectImage(withExifOrientation(jpeg, 6))).toMatchObject({ width: 320, height: 480, orientation: 6 });
  });

  it("WebP lossy (VP8) and lossless (VP8L)", async () => {
    expect(inspectImage(await makeWebp(256, 300))).toMatchObject({ format: "webp", contentType: "image/webp", width: 256, height: 300 });
    expect(inspectImage(await makeWebp(250, 260, undefined, { lossless: true }))).toMatchObject({ format: "webp", width: 250, height: 260 });
  });

  it("HEIC header (ftyp heic + meta/iprp/ipco/ispe), also the generic mif1 brand", () => {
    expect(inspectImage(makeHeic(3024, 4032))).toMatchObject({ format: "heic", contentType: "image/heic", width: 3024, height: 4032 });
    expect(inspectImage(makeHeic(1000, 1200, "mif1"))).toMatchObject({ format: "heic", width: 1000, height: 1200 });
  });
});

describe("inspectImage: rejections", () => {
  it("GIF and PDF → UNSUPPORTED_IMAGE_TYPE (by bytes, whatever the name)", () => {
    expect(codeOf(() => inspectImage(GIF_BYTES)).code).toBe("UNSUPPORTED_IMAGE_TYPE");
    const pdf = codeOf(() => inspectImage(PDF_BYTES));
    expect(pdf.code).toBe("UNSUPPORTED_IMAGE_TYPE");
    expect(pdf.message).toContain("PDF");
  });

  it("zero bytes and a few bytes → INVALID_IMAGE", () => {
    expect(codeOf(() => inspectImage(new Uint8Array(0))).code).toBe("INVALID_IMAGE");
    expect(codeOf(() => inspectImage(new Uint8Array([0xff, 0xd8, 0xff]))).code).toBe("INVALID_IMAGE");
  });

  it("truncated JPEG, PNG, WebP and HEIC → INVALID_IMAGE", async () => {
    const jpeg = await makeJpeg(300, 300);
    expect(codeOf(() => inspectImage(jpeg.subarray(0, 120))).code).toBe("INVALID_IMAGE");
    expect(codeOf(() => inspectImage(jpeg.subarray(0, jpeg.length - 40))).code).toBe("INVALID_IMAGE");
    const png = await makePng(300, 300);
    expect(codeOf(() => inspectImage(png.subarray(0, png.length - 20))).code).toBe("INVALID_IMAGE");
    const webp = await makeWebp(300, 300);
    expect(codeOf(() => inspectImage(webp.subarray(0, webp.length - 10))).code).toBe("INVALID_IMAGE");
    const heic = makeHeic(300, 300);
    expect(codeOf(() => inspectImage(heic.subarray(0, heic.length - 6))).code).toBe("INVALID_IMAGE");
  });

  it("a JPEG whose header does not parse → INVALID_IMAGE", () => {
    const garbage = concat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x02]), new Uint8Array(64).fill(0x41));
    expect(codeOf(() => inspectImage(garbage)).code).toBe("INVALID_IMAGE");
  });

  it("200×200 and 8000×10 → IMAGE_DIMENSIONS_OUT_OF_RANGE with details", async () => {
    const small = codeOf(() => inspectImage(makePngHeader(200, 200)));
    expect(small.code).toBe("IMAGE_DIMENSIONS_OUT_OF_RANGE");
    expect(small.details).toEqual([{ path: "", message: expect.any(String), width: 200, height: 200, min: 240, max: 7680 }]);
    const wide = codeOf(() => inspectImage(makeJpegHeader(8000, 10)));
    expect(wide.code).toBe("IMAGE_DIMENSIONS_OUT_OF_RANGE");
    expect(wide.details).toEqual([{ path: "", message: expect.any(String), width: 8000, height: 10, min: 240, max: 7680 }]);
    // and a real, decodable small PNG
    const realSmall = await makePng(200, 200);
    expect(codeOf(() => inspectImage(realSmall)).code).toBe("IMAGE_DIMENSIONS_OUT_OF_RANGE");
  });

  it("a forged 60000×60000 header is rejected from the header alone", () => {
    for (const forged of [makePngHeader(60000, 60000), makeJpegHeader(60000, 60000), makeHeic(60000, 60000)]) {
      const r = codeOf(() => inspectImage(forged));
      expect(r.code).toBe("IMAGE_DIMENSIONS_OUT_OF_RANGE");
      expect(r.details).toEqual([{ path: "", message: expect.any(String), width: 60000, height: 60000, min: 240, max: 7680 }]);
    }
  });

  it("10 MB + 1 byte → FILE_TOO_LARGE", () => {
    const big = new Uint8Array(IMAGE_MAX_BYTES + 1);
    big.set([0xff, 0xd8, 0xff]);
    expect(codeOf(() => inspectImage(big)).code).toBe("FILE_TOO_LARGE");
  });
});

describe("readLimited", () => {
  it("stops pulling as soon as the cap is passed", async () => {
    let pulled = 0;
    const chunk = new Uint8Array(1024 * 1024);
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        if (pulled > 100) return c.close();
        c.enqueue(chunk);
      },
    });
    await expect(readLimited(stream, 3 * 1024 * 1024, () => new ApiError("FILE_TOO_LARGE"))).rejects.toMatchObject({ code: "FILE_TOO_LARGE" });
    expect(pulled).toBeLessThan(10);
  });

  it("returns all bytes under the cap", async () => {
    const stream = new Blob([new Uint8Array([1, 2]), new Uint8Array([3])]).stream();
    expect([...(await readLimited(stream, 3, () => new Error("x")))]).toEqual([1, 2, 3]);
  });
});
