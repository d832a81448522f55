/**
 * Type detection from magic bytes only (never a file name or a Content-Type).
 * Besides the four accepted types it recognises common image (and image-like)
 * types Drape refuses, so the error can say what the file is.
 */
import { ascii, u16le, u32be, u32le } from "./bytes";
import type { AcceptedFormat } from "./types";

export type Sniffed = { kind: "accepted"; format: AcceptedFormat } | { kind: "other"; name: string; mediaType: string } | { kind: "unknown" };

export const ACCEPTED_MEDIA_TYPES: Readonly<Record<AcceptedFormat, string>> = {
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  heic: "image/heic",
};

const HEIC_BRANDS = new Set(["heic", "heix", "hevc", "hevx", "heim", "heis"]);
const AVIF_BRANDS = new Set(["avif", "avis"]);
const HEIF_GENERIC_BRANDS = new Set(["mif1", "msf1"]);
const BMP_DIB_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);

const other = (name: string, mediaType: string): Sniffed => ({ kind: "other", name, mediaType });

export function sniff(b: Uint8Array): Sniffed {
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { kind: "accepted", format: "jpeg" };
  if (b[0] === 0x89 && ascii(b, 1, 8) === "PNG\r\n\u001a\n") return { kind: "accepted", format: "png" };
  const head4 = ascii(b, 0, 4);
  // RIFF alone also matches WAV/AVI: the form type at 8 must be WEBP.
  if (head4 === "RIFF" && ascii(b, 8, 12) === "WEBP") return { kind: "accepted", format: "webp" };
  if (ascii(b, 4, 8) === "ftyp") return sniffIsoBmff(b);
  return sniffOther(b, head4);
}

/** HEIC, AVIF and other HEIF share the ftyp box: the brands tell them apart. */
function sniffIsoBmff(b: Uint8Array): Sniffed {
  const major = ascii(b, 8, 12);
  let size = 0;
  try {
    size = u32be(b, 0);
  } catch {
    return { kind: "unknown" };
  }
  const compatible: string[] = [];
  for (let i = 16; i + 4 <= Math.min(size, b.length); i += 4) compatible.push(ascii(b, i, i + 4));
  if (HEIC_BRANDS.has(major)) return { kind: "accepted", format: "heic" };
  if (AVIF_BRANDS.has(major)) return other("AVIF", "image/avif");
  if (HEIF_GENERIC_BRANDS.has(major)) {
    // Generic HEIF brands are shared with AVIF: the compatible brands decide.
    if (compatible.some((x) => HEIC_BRANDS.has(x))) return { kind: "accepted", format: "heic" };
    if (compatible.some((x) => AVIF_BRANDS.has(x))) return other("AVIF", "image/avif");
    return other("HEIF (not HEIC)", "image/heif");
  }
  if (major === "crx ") return other("Canon RAW (CR3)", "image/x-canon-cr3");
  if (major === "qt  " || major.startsWith("mp4") || major === "isom" || major.startsWith("3g")) return other("video (MP4/QuickTime)", "video/mp4");
  return { kind: "unknown" };
}

function sniffOther(b: Uint8Array, head4: string): Sniffed {
  if (head4 === "GIF8") return other("GIF", "image/gif");
  if (head4 === "%PDF") return other("PDF", "application/pdf");
  if (head4 === "8BPS") return other("Photoshop (PSD)", "image/vnd.adobe.photoshop");
  if (head4 === "II*\u0000" || head4 === "MM\u0000*" || head4 === "II+\u0000" || head4 === "MM\u0000+") return other("TIFF", "image/tiff");
  if (b[0] === 0xff && b[1] === 0x0a) return other("JPEG XL", "image/jxl");
  if (ascii(b, 4, 12) === "JXL \r\n\u0087\n") return other("JPEG XL", "image/jxl");
  if (ascii(b, 4, 12) === "jP  \r\n\u0087\n") return other("JPEG 2000", "image/jp2");
  if (isBmp(b)) return other("BMP", "image/bmp");
  if (isIco(b)) return other(b[2] === 1 ? "ICO" : "CUR", "image/vnd.microsoft.icon");
  if (isSvg(b)) return other("SVG", "image/svg+xml");
  return { kind: "unknown" };
}

function isBmp(b: Uint8Array): boolean {
  if (ascii(b, 0, 2) !== "BM" || b.length < 18) return false;
  return BMP_DIB_SIZES.has(u32le(b, 14));
}

/** ICONDIR: reserved 0, type 1 (icon) or 2 (cursor), at least one entry whose reserved byte is 0. */
function isIco(b: Uint8Array): boolean {
  if (b.length < 22 || b[0] !== 0 || b[1] !== 0 || (b[2] !== 1 && b[2] !== 2) || b[3] !== 0) return false;
  const count = u16le(b, 4);
  return count >= 1 && b[9] === 0;
}

/** XML text whose root element is <svg> (after an optional BOM, XML declaration, comments or doctype). */
function isSvg(b: Uint8Array): boolean {
  let text = ascii(b, 0, 2048);
  if (text.startsWith("\u00ef\u00bb\u00bf")) text = text.slice(3);
  const prolog = /^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*/i.exec(text);
  return /^<svg[\s>/]/i.test(text.slice(prolog ? prolog[0].length : 0));
}
