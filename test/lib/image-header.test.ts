import jpegDecWasm from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm";
import decodeJpegRaw, { init as initJpegDec } from "@jsquash/jpeg/decode.js";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors";
import { readImageHeader } from "../../src/lib/image-header";
import { inspectImage } from "../../src/lib/image-intake";
import {
  foreignSamples,
  heicTwoSizes,
  jpegEoiBeforeSof,
  jpegFillByteBeforeSof,
  jpegSofAfterSos,
  jpegTrailingFakeSof,
  jpegTwoSofs,
  pngIhdrLies,
  realJpeg,
  truncatedSamples,
  webpCanvasLies,
} from "../helpers/crafted-images";
import { concat } from "../helpers/images";

function refusal(bytes: Uint8Array): ApiError {
  try {
    inspectImage(bytes);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected intake to refuse the bytes");
}

let jpegReady: Promise<unknown> | undefined;
/** What mozjpeg itself reads: the size of the RGBA it decodes to. */
async function mozjpegSize(bytes: Uint8Array): Promise<{ width: number; height: number }> {
  jpegReady ??= initJpegDec(jpegDecWasm);
  await jpegReady;
  const img = await decodeJpegRaw(bytes.slice().buffer, { preserveOrientation: false });
  return { width: img.width, height: img.height };
}

describe("JPEG: the reader follows T.81, so it reads the size mozjpeg allocates for", () => {
  it("a fill byte before SOF (the issue's file): 7680×7680, as libjpeg reads it, not the decoy after EOI", async () => {
    const crafted = await jpegFillByteBeforeSof();
    expect(inspectImage(crafted)).toMatchObject({ format: "jpeg", width: 7680, height: 7680 });
    const header = readImageHeader(crafted);
    // The image ends at its first EOI: the 64 KiB of padding and the decoy SOF are not part of it.
    expect(header.end).toBeLessThan(crafted.length - 65_536);
  });

  it("agrees with mozjpeg's own reading on fill bytes and trailing data (decoded at a size the test can afford)", async () => {
    for (const crafted of [
      await jpegFillByteBeforeSof({ width: 640, height: 480 }, { width: 240, height: 240 }),
      await jpegFillByteBeforeSof({ width: 300, height: 260 }, { width: 5000, height: 5000 }),
      await jpegTrailingFakeSof(300, 400),
    ]) {
      const ours = readImageHeader(crafted);
      expect(await mozjpegSize(crafted)).toEqual({ width: ours.width, height: ours.height });
    }
  });

  it("any number of fill bytes before any marker is legal", async () => {
    const base = await realJpeg(320, 240);
    const filled = concat(base.subarray(0, 2), new Uint8Array([0xff, 0xff, 0xff]), base.subarray(2));
    expect(inspectImage(filled)).toMatchObject({ width: 320, height: 240 });
  });

  it("trailing data after EOI is ignored, even when it holds a SOF", async () => {
    expect(inspectImage(await jpegTrailingFakeSof(300, 400, { width: 7000, height: 7000 }))).toMatchObject({ width: 300, height: 400 });
  });

  it("inconsistent structure is INVALID_IMAGE: SOF after the scan, two SOFs, EOI before SOF, bytes between segments", async () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [await jpegSofAfterSos(), /frame header \(SOF\) after the first scan/],
      [await jpegTwoSofs(), /more than one frame header/],
      [await jpegEoiBeforeSof(), /end-of-image marker comes before any frame header/],
    ];
    const base = await realJpeg();
    const afterApp0 = 4 + ((base[4]! << 8) | base[5]!);
    cases.push([concat(base.subarray(0, afterApp0), new Uint8Array([0x00]), base.subarray(afterApp0)), /should start a marker/]);
    for (const [bytes, why] of cases) {
      const err = refusal(bytes);
      expect(err.code).toBe("INVALID_IMAGE");
      expect(err.message).toMatch(why);
    }
  });
});

describe("PNG, WebP, HEIC: the same class of lie", () => {
  it("a PNG whose IHDR claims far more pixels than its IDAT can hold → INVALID_IMAGE", async () => {
    const err = refusal(await pngIhdrLies(7680, 7680));
    expect(err.code).toBe("INVALID_IMAGE");
    expect(err.message).toMatch(/cannot hold the 7680×7680 pixels IHDR announces/);
  });

  it("an extended WebP whose VP8X canvas disagrees with its VP8 frame → INVALID_IMAGE", async () => {
    const err = refusal(await webpCanvasLies({ width: 7680, height: 7680 }, { width: 300, height: 300 }));
    expect(err.code).toBe("INVALID_IMAGE");
    expect(err.message).toMatch(/canvas says 7680×7680 but its frame is 300×300/);
    // An honest extended file reads as its canvas.
    expect(inspectImage(await webpCanvasLies({ width: 300, height: 300 }, { width: 300, height: 300 }))).toMatchObject({
      format: "webp",
      width: 300,
      height: 300,
    });
  });

  it("HEIC: the primary item's size, never a thumbnail's; two sizes for the primary → INVALID_IMAGE", () => {
    expect(refusal(heicTwoSizes()).code).toBe("INVALID_IMAGE");
  });

  it("a header that lies AND is out of range is refused for its size first", async () => {
    const err = refusal(await pngIhdrLies(9000, 9000));
    expect(err.code).toBe("IMAGE_DIMENSIONS_OUT_OF_RANGE");
    expect(err.details).toEqual([{ path: "", message: expect.any(String), width: 9000, height: 9000, min: 240, max: 7680 }]);
  });
});

describe("intake codes: broken accepted types vs other types", () => {
  it("a truncated JPEG, PNG, WebP or HEIC → INVALID_IMAGE", async () => {
    for (const [name, bytes] of await truncatedSamples()) {
      const err = refusal(bytes);
      expect(err.code, name).toBe("INVALID_IMAGE");
      expect(err.message, name).toMatch(/truncated or malformed/);
    }
  });

  it("GIF, BMP, TIFF, AVIF, SVG, ICO, animated WebP → UNSUPPORTED_IMAGE_TYPE naming the type and the accepted ones", async () => {
    for (const sample of await foreignSamples()) {
      const err = refusal(sample.bytes);
      expect(err.code, sample.name).toBe("UNSUPPORTED_IMAGE_TYPE");
      expect(err.message, sample.name).toContain(sample.name);
      expect(err.message, sample.name).toContain("JPEG, PNG, WebP and HEIC");
      expect(err.details, sample.name).toEqual([
        {
          path: "",
          message: expect.any(String),
          detectedType: sample.mediaType,
          detectedName: sample.name,
          acceptedTypes: ["image/jpeg", "image/png", "image/webp", "image/heic"],
        },
      ]);
    }
  });

  it("bytes of no recognisable type → UNSUPPORTED_IMAGE_TYPE with detectedType null", () => {
    const err = refusal(new TextEncoder().encode("<!doctype html><html><body>not an image</body></html>"));
    expect(err.code).toBe("UNSUPPORTED_IMAGE_TYPE");
    expect(err.details).toEqual([expect.objectContaining({ detectedType: null, detectedName: null })]);
  });
});
