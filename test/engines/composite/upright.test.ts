import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { encodeJpeg } from "../../../src/engines/composite/codecs";
import { imagesBindingShrinker } from "../../../src/engines/composite/shrink";
import { markAsTest, TEST_MARK_RED, testMarkBox } from "../../../src/engines/composite/test-mark";
import { logoDecodes, stampLogo, watermarkBox } from "../../../src/engines/composite/watermark";
import { colourDiff, decode, makeRgba, personPattern, pixel, webp } from "../../helpers/engine-images";

const W = 600;
const H = 400;
const convert = imagesBindingShrinker(env.IMAGES);

/** A 120×40 WebP logo: left half fully transparent, right half opaque magenta (so it carries alpha). */
const logoWebp = () => webp(makeRgba(120, 40, (x) => (x < 60 ? [0, 0, 0, 0] : [255, 0, 255, 255])));
const resultJpeg = () => encodeJpeg(makeRgba(W, H, personPattern(W, H)), 90);

describe("WebP through the Images binding (watermark, logo check, test mark)", () => {
  it("a WebP logo is stamped through the binding, its transparent half keeping the result's pixels", async () => {
    const result = await resultJpeg();
    const out = await stampLogo(result, null, await logoWebp(), convert);
    if (!out.stamped) throw new Error(`not stamped: ${out.reason}`);
    expect([out.width, out.height]).toEqual([W, H]);
    const img = await decode(out.bytes);
    const before = await decode(result);
    const box = watermarkBox(W, H, 120, 40);
    const opaque = [box.x + box.width * 0.75, box.y + box.height / 2] as const;
    const clear = [box.x + box.width * 0.25, box.y + box.height / 2] as const;
    expect(colourDiff(pixel(img, ...opaque), [255, 0, 255])).toBeLessThan(30);
    expect(colourDiff(pixel(img, ...clear), pixel(before, ...clear))).toBeLessThan(20);
  });

  it("without a binding a WebP logo is not stamped, with the reason; the logo check says it does not decode", async () => {
    const out = await stampLogo(await resultJpeg(), null, await logoWebp(), null);
    expect(out).toEqual({
      stamped: false,
      reason: "the logo cannot be decoded here: there is no WebP decoder in the Worker and no Images binding to convert it",
    });
    expect(await logoDecodes(await logoWebp(), null)).toBe(false);
    expect(await logoDecodes(await logoWebp(), convert)).toBe(true);
  });

  it("a WebP result is stamped through the binding and comes back a JPEG of its size", async () => {
    const result = await webp(makeRgba(W, H, personPattern(W, H)));
    const out = await stampLogo(result, null, await logoWebp(), convert);
    if (!out.stamped) throw new Error(`not stamped: ${out.reason}`);
    expect([out.bytes[0], out.bytes[1]]).toEqual([0xff, 0xd8]);
    expect([out.width, out.height]).toEqual([W, H]);
  });

  it("a WebP test-mode photo gets the TEST mark through the binding, and none without one", async () => {
    const photo = await webp(makeRgba(W, H, personPattern(W, H)));
    const marked = await markAsTest(photo, null, convert);
    if (!marked) throw new Error("not marked");
    const img = await decode(marked.bytes);
    const box = testMarkBox(W, H);
    expect(colourDiff(pixel(img, box.x + box.cell / 2, box.y + box.cell / 2), TEST_MARK_RED)).toBeLessThan(30);
    expect(await markAsTest(photo, null, null)).toBeNull();
  });
});
