/**
 * Bounds-checked readers for the header parsers. Every read past the end of
 * the data throws the same "cut short" error, so a truncated file can never
 * read as zeros (a zero that happens to look valid).
 */
import type { AcceptedFormat } from "./types";

/** Why a header was refused: not one of the accepted types, or an accepted type that is broken. */
export class ImageHeaderError extends Error {
  override readonly name = "ImageHeaderError";
  constructor(
    readonly kind: "unsupported" | "invalid",
    message: string,
    /** invalid: the format the bytes claim to be. */
    readonly format: AcceptedFormat | null = null,
    /** unsupported: what the bytes look like, when we can tell. */
    readonly detected: { name: string; mediaType: string } | null = null,
    /** invalid: the size the header announced before the problem was found, if it got that far. */
    readonly claimed: { width: number; height: number } | null = null,
  ) {
    super(message);
  }
}

/** A structural problem inside a format's parser; the caller adds the format. */
export class Malformed extends Error {
  override readonly name = "Malformed";
  claimed: { width: number; height: number } | null = null;
}

/** Tags a parser error with the size the header had announced by then (intake reports an out-of-range size first). */
export function withClaimed(err: unknown, width: number, height: number): unknown {
  if (err instanceof Malformed && !err.claimed) err.claimed = { width, height };
  return err;
}

const CUT_SHORT = "the data ends early: the file is cut short";

export function need(b: Uint8Array, end: number): void {
  if (end > b.length) throw new Malformed(CUT_SHORT);
}

export function u8(b: Uint8Array, o: number): number {
  need(b, o + 1);
  return b[o] as number;
}

export function u16be(b: Uint8Array, o: number): number {
  need(b, o + 2);
  return ((b[o] as number) << 8) | (b[o + 1] as number);
}

export function u32be(b: Uint8Array, o: number): number {
  need(b, o + 4);
  return (((b[o] as number) << 24) >>> 0) + (((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number));
}

export function u16le(b: Uint8Array, o: number): number {
  need(b, o + 2);
  return (b[o] as number) | ((b[o + 1] as number) << 8);
}

export function u24le(b: Uint8Array, o: number): number {
  need(b, o + 3);
  return (b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16);
}

export function u32le(b: Uint8Array, o: number): number {
  return (u16le(b, o) + u16le(b, o + 2) * 65536) >>> 0;
}

/** Latin-1 text of b[start, end), clipped to the data (for signatures and four-character codes). */
export function ascii(b: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end && i < b.length; i++) s += String.fromCharCode(b[i] as number);
  return s;
}
