import { ascii, u16be, u16le, u32be, u32le } from "./bytes";

/**
 * EXIF Orientation (tag 0x0112 of IFD0) from a TIFF structure, or null.
 * A broken EXIF block does not make the picture unusable: it just has no orientation.
 */
export function exifOrientation(tiff: Uint8Array): number | null {
  try {
    const order = ascii(tiff, 0, 2);
    const le = order === "II";
    if (!le && order !== "MM") return null;
    const r16 = (o: number) => (le ? u16le(tiff, o) : u16be(tiff, o));
    const r32 = (o: number) => (le ? u32le(tiff, o) : u32be(tiff, o));
    const ifd = r32(4);
    const count = r16(ifd);
    for (let i = 0; i < count && i < 512; i++) {
      const entry = ifd + 2 + i * 12;
      if (r16(entry) === 0x0112) {
        const v = r16(entry + 8);
        return v >= 1 && v <= 8 ? v : null;
      }
    }
  } catch {
    // fall through: no usable orientation
  }
  return null;
}
