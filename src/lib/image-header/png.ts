/**
 * PNG structure (ISO/IEC 15948): the signature, IHDR as the first chunk (the
 * only place a decoder takes the size from), then a chunk walk that must reach
 * IEND. Bytes after IEND are ignored, as decoders do.
 *
 * A header that lies about the size cannot make a decoder allocate more than
 * IHDR says, but it can make a cut-off or forged file look huge: the IDAT
 * stream must be at least as long as the smallest deflate encoding of the
 * pixel data IHDR announces (deflate never beats 1032:1), or it is refused.
 */
import { ascii, Malformed, u8, u32be, withClaimed } from "./bytes";
import type { ParsedHeader } from "./types";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Best case of deflate: a 258-byte match in 2 bits. */
export const DEFLATE_MAX_RATIO = 1032;
/** Samples per pixel by colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA) and the bit depths each allows. */
const COLOUR_TYPES: Record<number, { samples: number; depths: readonly number[] }> = {
  0: { samples: 1, depths: [1, 2, 4, 8, 16] },
  2: { samples: 3, depths: [8, 16] },
  3: { samples: 1, depths: [1, 2, 4, 8] },
  4: { samples: 2, depths: [8, 16] },
  6: { samples: 4, depths: [8, 16] },
};
const MAX_CHUNK = 0x7fffffff;

export function parsePng(b: Uint8Array): ParsedHeader {
  for (let i = 0; i < SIGNATURE.length; i++) if (u8(b, i) !== SIGNATURE[i]) throw new Malformed("bad PNG signature");
  if (u32be(b, 8) !== 13 || ascii(b, 12, 16) !== "IHDR") throw new Malformed("the first chunk is not a 13-byte IHDR");
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  const bitDepth = u8(b, 24);
  const colorType = u8(b, 25);
  const interlace = u8(b, 28);
  if (width === 0 || height === 0 || width > MAX_CHUNK || height > MAX_CHUNK) throw new Malformed(`IHDR says ${width}×${height}`);
  const colour = COLOUR_TYPES[colorType];
  if (!colour?.depths.includes(bitDepth)) throw new Malformed(`IHDR has colour type ${colorType} with bit depth ${bitDepth}`);
  if (u8(b, 26) !== 0 || u8(b, 27) !== 0 || interlace > 1) throw new Malformed("IHDR names an unknown compression, filter or interlace method");
  try {
    const minRaw = Math.ceil((width * height * colour.samples * bitDepth) / 8);
    const end = walkChunks(b, colorType, minRaw, `${width}×${height}`);
    return { width, height, orientation: null, end, layout: { kind: "png", bitDepth, colorType, interlaced: interlace === 1 } };
  } catch (err) {
    throw withClaimed(err, width, height);
  }
}

/** Walks the chunks to IEND and returns the offset after it. */
function walkChunks(b: Uint8Array, colorType: number, minRaw: number, size: string): number {
  let o = 8;
  let idatBytes = 0;
  let sawPalette = false;
  for (let first = true; ; first = false) {
    const len = u32be(b, o);
    const type = ascii(b, o + 4, o + 8);
    if (len > MAX_CHUNK) throw new Malformed(`chunk ${type} has length ${len}`);
    const next = o + 12 + len;
    if (next > b.length) throw new Malformed(`chunk ${JSON.stringify(type)} runs past the end of the data: the file is cut short`);
    if (type === "IHDR" && !first) throw new Malformed("a second IHDR chunk");
    if (type === "PLTE") sawPalette = true;
    if (type === "IDAT") idatBytes += len;
    if (type === "IEND") {
      if (idatBytes === 0) throw new Malformed("no image data (IDAT)");
      if (colorType === 3 && !sawPalette) throw new Malformed("a palette image without a palette (PLTE)");
      if (idatBytes * DEFLATE_MAX_RATIO < minRaw) {
        throw new Malformed(`its ${idatBytes} bytes of image data cannot hold the ${size} pixels IHDR announces`);
      }
      return next;
    }
    o = next;
  }
}
