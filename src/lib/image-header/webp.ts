/**
 * WebP structure (RIFF container, RFC 9649). The size lives in three places
 * depending on the flavour: the VP8 key-frame header (lossy), the VP8L header
 * (lossless) or the VP8X canvas (extended). For an extended still image the
 * canvas must equal the frame inside it, as libwebp itself requires before it
 * allocates; we refuse the mismatch too, so the two can never disagree.
 * Animated WebP is refused: Drape takes still photos.
 */
import { ascii, ImageHeaderError, Malformed, u8, u16le, u24le, u32le, withClaimed } from "./bytes";
import type { ParsedHeader } from "./types";

interface Chunk {
  type: string;
  start: number;
  size: number;
}

interface Frame {
  width: number;
  height: number;
  lossless: boolean;
  alpha: boolean;
}

const ANIMATION_FLAG = 0x02;
const ALPHA_FLAG = 0x10;

export function parseWebp(b: Uint8Array): ParsedHeader {
  if (ascii(b, 0, 4) !== "RIFF" || ascii(b, 8, 12) !== "WEBP") throw new Malformed("not a RIFF/WEBP container");
  const end = 8 + u32le(b, 4);
  if (end > b.length) throw new Malformed("the RIFF container is longer than the data: the file is cut short");
  const chunks = readChunks(b, end);
  const first = chunks[0];
  if (!first) throw new Malformed("the RIFF container holds no chunk");
  if (first.type !== "VP8X") {
    const frame = readFrame(b, first);
    return header(frame, end);
  }
  if (first.size < 10) throw new Malformed("VP8X chunk too short");
  const flags = u8(b, first.start);
  if (flags & ANIMATION_FLAG) {
    throw new ImageHeaderError("unsupported", "The file is an animated WebP (image/webp); Drape accepts still JPEG, PNG, WebP and HEIC images.", null, {
      name: "animated WebP",
      mediaType: "image/webp",
    });
  }
  const canvasW = u24le(b, first.start + 4) + 1;
  const canvasH = u24le(b, first.start + 7) + 1;
  try {
    return extendedStill(b, chunks, flags, canvasW, canvasH, end);
  } catch (err) {
    throw withClaimed(err, canvasW, canvasH);
  }
}

/** An extended (VP8X) still image: exactly one VP8/VP8L frame, the size of the canvas. */
function extendedStill(b: Uint8Array, chunks: Chunk[], flags: number, canvasW: number, canvasH: number, end: number): ParsedHeader {
  const images = chunks.filter((c) => c.type === "VP8 " || c.type === "VP8L");
  const image = images[0];
  if (!image || images.length > 1) throw new Malformed(`the extended WebP holds ${images.length} image chunks instead of one`);
  const frame = readFrame(b, image);
  if (frame.width !== canvasW || frame.height !== canvasH) {
    throw new Malformed(`its canvas says ${canvasW}×${canvasH} but its frame is ${frame.width}×${frame.height}`);
  }
  const alpha = frame.alpha || (flags & ALPHA_FLAG) !== 0 || chunks.some((c) => c.type === "ALPH");
  return header({ ...frame, alpha }, end);
}

function header(frame: Frame, end: number): ParsedHeader {
  return { width: frame.width, height: frame.height, orientation: null, end, layout: { kind: "webp", lossless: frame.lossless, alpha: frame.alpha } };
}

/** Every chunk of the container; each (with its pad byte) must fit inside it. */
function readChunks(b: Uint8Array, end: number): Chunk[] {
  const chunks: Chunk[] = [];
  for (let o = 12; o < end; ) {
    if (o + 8 > end) throw new Malformed("a chunk header runs past the RIFF container");
    const size = u32le(b, o + 4);
    const next = o + 8 + size + (size & 1);
    if (o + 8 + size > end) throw new Malformed(`chunk ${JSON.stringify(ascii(b, o, o + 4))} runs past the RIFF container: the file is cut short`);
    chunks.push({ type: ascii(b, o, o + 4), start: o + 8, size });
    o = next;
  }
  return chunks;
}

function readFrame(b: Uint8Array, c: Chunk): Frame {
  if (c.type === "VP8 ") {
    if (c.size < 10) throw new Malformed("VP8 chunk too short");
    // Frame tag bit 0 is 0 for a key frame; a still image is one key frame.
    if (u8(b, c.start) & 1) throw new Malformed("the VP8 frame is not a key frame");
    if (u8(b, c.start + 3) !== 0x9d || u8(b, c.start + 4) !== 0x01 || u8(b, c.start + 5) !== 0x2a) throw new Malformed("bad VP8 start code");
    // The top two bits are an upscaling hint for the display, not part of the decoded size.
    const width = u16le(b, c.start + 6) & 0x3fff;
    const height = u16le(b, c.start + 8) & 0x3fff;
    if (width === 0 || height === 0) throw new Malformed(`the VP8 frame says ${width}×${height}`);
    return { width, height, lossless: false, alpha: false };
  }
  if (c.type === "VP8L") {
    if (c.size < 5) throw new Malformed("VP8L chunk too short");
    if (u8(b, c.start) !== 0x2f) throw new Malformed("bad VP8L signature");
    const bits = u32le(b, c.start + 1);
    if (bits >>> 29 !== 0) throw new Malformed("unknown VP8L version");
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, lossless: true, alpha: ((bits >>> 28) & 1) === 1 };
  }
  throw new Malformed(`unknown WebP chunk ${JSON.stringify(c.type)}`);
}
