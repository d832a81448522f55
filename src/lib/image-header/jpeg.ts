/**
 * JPEG structure, read exactly as ITU-T T.81 (Annex B) lays it out, so that
 * no byte sequence can make us read a different frame size than libjpeg /
 * mozjpeg will allocate for:
 *
 * - a marker is 0xFF + code, optionally preceded by any number of 0xFF fill
 *   bytes (B.1.1.2); anything else between segments is refused (libjpeg would
 *   skip it with a warning, so refusing keeps us never laxer than the decoder);
 * - standalone markers: SOI (first only), EOI, TEM; RSTn only inside
 *   entropy-coded data; every other marker carries a 2-byte length;
 * - exactly one frame header (SOF C0–CF except DHT C4, JPG C8, DAC CC), before
 *   the first scan; a second SOF, a scan before the SOF, or EOI before any
 *   scan is refused;
 * - entropy-coded data after each SOS is skipped byte-stuffing aware
 *   (FF 00, RSTn) up to the next marker;
 * - the image ends at the first EOI after its scans: bytes after it are not
 *   read by anything (phones append preview images and videos there).
 */
import { ascii, Malformed, u8, u16be, withClaimed } from "./bytes";
import { exifOrientation } from "./exif";
import type { ParsedHeader } from "./types";

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const TEM = 0x01;
const APP1 = 0xe1;

export function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

const isRst = (marker: number) => marker >= 0xd0 && marker <= 0xd7;

interface Frame {
  sof: number;
  width: number;
  height: number;
  components: Array<{ h: number; v: number }>;
}

export function parseJpeg(b: Uint8Array): ParsedHeader {
  if (u8(b, 0) !== 0xff || u8(b, 1) !== SOI) throw new Malformed("it does not start with a start-of-image marker");
  const state: WalkState = { frame: null, scans: 0, orientation: null };
  try {
    return walk(b, state);
  } catch (err) {
    throw state.frame ? withClaimed(err, state.frame.width, state.frame.height) : err;
  }
}

interface WalkState {
  frame: Frame | null;
  scans: number;
  orientation: number | null;
}

/** Segment by segment from after SOI to EOI, recording the frame, the scan count and the orientation in `s`. */
function walk(b: Uint8Array, s: WalkState): ParsedHeader {
  let o = 2;
  for (;;) {
    if (u8(b, o) !== 0xff) throw new Malformed(`byte ${o} should start a marker but does not`);
    while (u8(b, o + 1) === 0xff) o++; // fill bytes
    const marker = u8(b, o + 1);
    const at = o;
    o += 2;
    if (marker === EOI) {
      if (!s.frame) throw new Malformed("the end-of-image marker comes before any frame header (SOF)");
      if (s.scans === 0) throw new Malformed("the end-of-image marker comes before any scan (SOS)");
      const { width, height, sof, components } = s.frame;
      return { width, height, orientation: s.orientation, end: o, layout: { kind: "jpeg", sof, scans: s.scans, components } };
    }
    if (marker === TEM) continue;
    if (marker === SOI) throw new Malformed(`a second start-of-image marker at byte ${at}`);
    if (marker === 0x00 || isRst(marker)) throw new Malformed(`marker FF${hex(marker)} at byte ${at} is only valid inside scan data`);
    if (marker < 0xc0) throw new Malformed(`reserved marker FF${hex(marker)} at byte ${at}`);
    const len = u16be(b, o);
    if (len < 2) throw new Malformed(`marker FF${hex(marker)} at byte ${at} has length ${len}`);
    const body = o + 2;
    const next = o + len;
    if (next > b.length) throw new Malformed("a segment runs past the end of the data: the file is cut short");
    if (isSof(marker)) {
      if (s.frame) throw new Malformed(s.scans > 0 ? "a frame header (SOF) after the first scan" : "more than one frame header (SOF)");
      s.frame = readSof(b, marker, body, len);
    } else if (marker === SOS) {
      if (!s.frame) throw new Malformed("a scan (SOS) comes before the frame header (SOF)");
      s.scans++;
      o = skipEntropyData(b, next);
      continue;
    } else if (marker === APP1 && s.orientation === null && ascii(b, body, body + 6) === "Exif\0\0") {
      s.orientation = exifOrientation(b.subarray(body + 6, next));
    }
    o = next;
  }
}

/** SOFn: P, Y, X, Nf, then Nf × (C, H|V, Tq); its length must match Nf exactly. */
function readSof(b: Uint8Array, sof: number, body: number, len: number): Frame {
  const height = u16be(b, body + 1);
  const width = u16be(b, body + 3);
  const count = u8(b, body + 5);
  if (count < 1 || count > 4) throw new Malformed(`the frame has ${count} components`);
  if (len !== 8 + 3 * count) throw new Malformed("the frame header (SOF) length does not match its component count");
  // Height 0 defers it to a DNL marker, which libjpeg does not support.
  if (width === 0 || height === 0) throw new Malformed(`the frame header says ${width}×${height}`);
  const components: Array<{ h: number; v: number }> = [];
  for (let i = 0; i < count; i++) {
    const hv = u8(b, body + 7 + i * 3);
    const h = hv >> 4;
    const v = hv & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) throw new Malformed("a component has invalid sampling factors");
    components.push({ h, v });
  }
  return { sof, width, height, components };
}

/**
 * Returns the offset of the marker that ends the entropy-coded data starting
 * at `o` (at its first fill byte, if any). Inside the data 0xFF is always
 * followed by 0x00 (a stuffed byte) or RSTn.
 */
function skipEntropyData(b: Uint8Array, o: number): number {
  for (let i = o; i < b.length; i++) {
    if (b[i] !== 0xff) continue;
    let j = i + 1;
    while (j < b.length && b[j] === 0xff) j++;
    if (j >= b.length) break;
    const code = b[j] as number;
    if (code === 0x00 || isRst(code)) {
      i = j;
      continue;
    }
    return i;
  }
  throw new Malformed("the scan data has no end-of-image marker: the file is cut short");
}

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, "0");
}
