/** The image types Drape accepts, and what the header parsers learn about one image. */
export type AcceptedFormat = "jpeg" | "png" | "webp" | "heic";

/** What a decoder's working memory depends on (read by the engines' decode budget). */
export type ImageLayout =
  | {
      kind: "jpeg";
      /** The SOF marker (0xC0 baseline, 0xC2 progressive, …). */
      sof: number;
      /** Scans before EOI: more than one means the decoder buffers every DCT coefficient of the image. */
      scans: number;
      /** Sampling factors of each component, in SOF order. */
      components: ReadonlyArray<{ h: number; v: number }>;
    }
  | { kind: "png"; bitDepth: number; colorType: number; interlaced: boolean }
  | { kind: "webp"; lossless: boolean; alpha: boolean }
  | { kind: "heic" };

export interface ImageHeader {
  format: AcceptedFormat;
  /** Stored (as-encoded) size: what a decoder allocates for. */
  width: number;
  height: number;
  /** EXIF orientation 1–8 (JPEG only), null when absent. */
  orientation: number | null;
  /**
   * Length of the image proper (through JPEG EOI, PNG IEND, the RIFF chunk, the
   * last ISOBMFF box). Bytes after it are ignored by every reader, decoders included.
   */
  end: number;
  layout: ImageLayout;
}

/** What a format parser returns; `index.ts` adds the format. */
export type ParsedHeader = Omit<ImageHeader, "format">;
