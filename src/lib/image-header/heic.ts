/**
 * HEIC structure (ISO/IEC 23008-12 on the ISOBMFF box format). Every top-level
 * box must fit in the data (a cut file fails here). The size is the `ispe`
 * property of the PRIMARY item: `meta/pitm` names the item, `meta/iprp/ipma`
 * lists its properties by index into `meta/iprp/ipco`. Thumbnails and grid
 * tiles carry their own `ispe`, so "the first ispe" would be a guess.
 *
 * Drape never decodes HEIC inside the Worker (the Images binding converts it),
 * so this size is what intake records and what the engines plan with.
 */
import { ascii, Malformed, u8, u16be, u32be } from "./bytes";
import type { ParsedHeader } from "./types";

interface Box {
  type: string;
  /** First byte of the payload (after size, type, largesize/uuid). */
  start: number;
  end: number;
}

/** Boxes laid end to end in [from, to); each must fit. */
function boxes(b: Uint8Array, from: number, to: number): Box[] {
  const out: Box[] = [];
  let o = from;
  while (o < to) {
    if (o + 8 > to) throw new Malformed("a box header is cut short");
    let size = u32be(b, o);
    const type = ascii(b, o + 4, o + 8);
    let start = o + 8;
    if (size === 1) {
      size = u32be(b, o + 8) * 2 ** 32 + u32be(b, o + 12);
      start += 8;
    } else if (size === 0) {
      size = to - o;
    }
    if (type === "uuid") start += 16;
    if (size < start - o || o + size > to) throw new Malformed(`box ${JSON.stringify(type)} runs past the end of the data: the file is cut short`);
    out.push({ type, start, end: o + size });
    o += size;
  }
  return out;
}

function only(list: Box[], type: string, where: string): Box {
  const found = list.filter((x) => x.type === type);
  if (found.length !== 1 || !found[0]) throw new Malformed(`${where} holds ${found.length} "${type}" boxes instead of one`);
  return found[0];
}

/** meta, pitm, ipma and ispe are full boxes: a version byte and 24 flag bits before their payload. */
function fullBox(b: Uint8Array, box: Box): { version: number; flags: number; body: number } {
  const vf = u32be(b, box.start);
  return { version: vf >>> 24, flags: vf & 0xffffff, body: box.start + 4 };
}

export function parseHeic(b: Uint8Array): ParsedHeader {
  const top = boxes(b, 0, b.length);
  if (top[0]?.type !== "ftyp") throw new Malformed("the first box is not ftyp");
  const meta = only(top, "meta", "the file");
  const metaChildren = boxes(b, fullBox(b, meta).body, meta.end);
  const primary = primaryItem(b, only(metaChildren, "pitm", "meta"));
  const iprp = only(metaChildren, "iprp", "meta");
  const iprpChildren = boxes(b, iprp.start, iprp.end);
  const properties = boxes(b, only(iprpChildren, "ipco", "iprp").start, only(iprpChildren, "ipco", "iprp").end);
  const indexes = iprpChildren.filter((x) => x.type === "ipma").flatMap((ipma) => associations(b, ipma, primary));
  const sizes = indexes.map((i) => properties[i - 1]).filter((p): p is Box => p?.type === "ispe");
  const ispe = sizes[0];
  if (!ispe || sizes.length > 1) throw new Malformed(`the primary image has ${sizes.length} size properties (ispe) instead of one`);
  const { body } = fullBox(b, ispe);
  if (body + 8 > ispe.end) throw new Malformed("short ispe box");
  const width = u32be(b, body);
  const height = u32be(b, body + 4);
  if (width === 0 || height === 0) throw new Malformed(`the primary image says ${width}×${height}`);
  return { width, height, orientation: null, end: b.length, layout: { kind: "heic" } };
}

function primaryItem(b: Uint8Array, pitm: Box): number {
  const { version, body } = fullBox(b, pitm);
  return version === 0 ? u16be(b, body) : u32be(b, body);
}

/** Property indexes (1-based into ipco) that one ipma box associates with `item`. */
function associations(b: Uint8Array, ipma: Box, item: number): number[] {
  const { version, flags, body } = fullBox(b, ipma);
  const count = u32be(b, body);
  let o = body + 4;
  const found: number[] = [];
  for (let i = 0; i < count; i++) {
    if (o >= ipma.end) throw new Malformed("the ipma box is cut short");
    const id = version < 1 ? u16be(b, o) : u32be(b, o);
    o += version < 1 ? 2 : 4;
    const n = u8(b, o);
    o += 1;
    for (let k = 0; k < n; k++) {
      const index = flags & 1 ? u16be(b, o) & 0x7fff : u8(b, o) & 0x7f;
      o += flags & 1 ? 2 : 1;
      if (id === item && index > 0) found.push(index);
    }
  }
  if (o > ipma.end) throw new Malformed("the ipma box is cut short");
  return found;
}
