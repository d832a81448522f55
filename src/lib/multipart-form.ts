import { MaxFileSizeExceededError, MaxPartsExceededError, MaxTotalSizeExceededError, MultipartParser, type MultipartPart } from "@remix-run/multipart-parser";
import { ApiError } from "../errors";
import { BodyHasher, multipartBoundary } from "./fingerprint";

/** One file part of a form: its bytes are the only copy the request holds. */
export interface FilePart {
  filename: string;
  /** The part's declared Content-Type ("" when none); image intake judges the bytes, not this. */
  type: string;
  bytes: Uint8Array;
}

export interface MultipartForm {
  /** Text fields by name (first value wins); a `data` part sent as a file is read as text too. */
  fields: Map<string, string>;
  /** File parts by name (first value wins). */
  files: Map<string, FilePart>;
}

/** What one route accepts in a multipart body (src/http/body-limit.ts derives these). */
export interface FormLimits {
  /** The whole body, boundaries and headers included: FILE_TOO_LARGE past it. */
  maxBytes: number;
  /** One file part: FILE_TOO_LARGE past it. */
  maxFileBytes: number;
  /** One text part (the `data` JSON included): PAYLOAD_TOO_LARGE past it. */
  maxTextBytes: number;
  /** Parts in all: VALIDATION_FAILED past it. */
  maxParts: number;
}

export interface FormRead {
  /** The form, or the VALIDATION_FAILED that the route answers (the body was still read whole and hashed). */
  form: MultipartForm | ApiError;
  /** Idempotency fingerprint of the raw body (boundary removed), when asked for. */
  fingerprint: string | null;
  /** Body bytes received. */
  bodyBytes: number;
  /**
   * Most body-derived bytes held at once: the parts kept so far, the chunks
   * of the part being received, and that part's copy while it is made. The
   * budget (docs/limits.md) is bodyBytes + one part.
   */
  peakHeldBytes: number;
}

const decoder = new TextDecoder();

function malformed(message: string): ApiError {
  return new ApiError("VALIDATION_FAILED", "The multipart body could not be parsed.", { details: [{ path: "", message }] });
}

/**
 * Reads a multipart/form-data body once, as it streams: the parser keeps
 * each part's chunks only until the part ends, then one contiguous copy of
 * it; the raw body is never held whole. When `fingerprint` is set every
 * chunk also goes through the idempotency hasher (views, no copy).
 *
 * Size errors (413) are thrown at once and stop the read. Anything else
 * wrong with the form is returned as `form` after the rest of the body has
 * been drained through the hasher, so the fingerprint covers the bytes sent
 * and admission still runs the usual replay / 409 / 422 checks.
 */
export async function readMultipartForm(
  stream: ReadableStream<Uint8Array> | null,
  contentType: string,
  limits: FormLimits,
  opts: { fingerprint: boolean; hashSink?: WritableStream<Uint8Array> & { digest?: Promise<ArrayBuffer> } },
): Promise<FormRead> {
  const hasher = opts.fingerprint ? new BodyHasher(contentType, opts.hashSink) : null;
  const boundary = multipartBoundary(contentType);
  const parser = boundary
    ? new MultipartParser(boundary, { maxFileSize: limits.maxFileBytes, maxParts: limits.maxParts, maxTotalSize: limits.maxBytes, maxHeaderSize: 8 * 1024 })
    : null;
  const form: MultipartForm = { fields: new Map(), files: new Map() };
  let failure: ApiError | null = parser ? null : malformed("The Content-Type has no boundary parameter.");
  let bodyBytes = 0;
  let keptBytes = 0; // parts kept so far
  let pendingBytes = 0; // bytes received since the last part ended (the parser may hold them)
  let peak = 0;

  const keep = (part: MultipartPart): void => {
    const size = part.size;
    peak = Math.max(peak, keptBytes + pendingBytes + size); // chunks and their copy, for a moment
    take(part, form, limits);
    keptBytes += size;
    pendingBytes = 0;
  };

  const reader = stream?.getReader() ?? null;
  try {
    for (;;) {
      if (!reader) break;
      const { done, value } = await reader.read();
      if (done) break;
      bodyBytes += value.byteLength;
      if (bodyBytes > limits.maxBytes) throw tooLarge(limits.maxBytes);
      if (hasher) await hasher.write(value);
      if (failure || !parser) continue; // draining: hashed, not kept
      pendingBytes += value.byteLength;
      peak = Math.max(peak, keptBytes + pendingBytes);
      try {
        for (const part of parser.write(value)) keep(part);
      } catch (err) {
        failure = classify(err, limits);
      }
    }
    if (!failure && parser) {
      try {
        parser.finish();
      } catch (err) {
        failure = classify(err, limits);
      }
    }
  } catch (err) {
    await reader?.cancel().catch(() => undefined);
    throw err;
  }
  const fingerprint = hasher ? await hasher.finish() : null;
  return { form: failure ?? form, fingerprint, bodyBytes, peakHeldBytes: peak };
}

/** Files keep their bytes (one copy of the part); text parts are decoded. */
function take(part: MultipartPart, form: MultipartForm, limits: FormLimits): void {
  let name: string | undefined;
  let filename: string | undefined;
  let type: string | undefined;
  try {
    name = part.name;
    filename = part.filename;
    type = part.mediaType;
  } catch {
    throw malformed("A part's headers are not valid UTF-8.");
  }
  if (name === undefined) throw malformed("Every part needs a Content-Disposition header with a name.");
  const isText = filename === undefined || name === "data";
  if (isText) {
    if (part.size > limits.maxTextBytes) {
      throw new ApiError(
        "PAYLOAD_TOO_LARGE",
        `The text part "${name.slice(0, 64)}" is ${part.size} bytes; text parts (the \`data\` JSON included) are limited to ${limits.maxTextBytes} bytes.`,
      );
    }
    if (!form.fields.has(name)) form.fields.set(name, decoder.decode(part.bytes));
  } else if (!form.files.has(name)) {
    form.files.set(name, { filename: filename ?? "", type: type ?? "", bytes: part.bytes });
  }
}

function tooLarge(max: number): ApiError {
  return new ApiError("FILE_TOO_LARGE", `The multipart body is over ${max} bytes, the most this route accepts (10 MB per image).`);
}

/** Parser errors: a part over its size limit is a 413 thrown at once; the rest is a malformed form. */
function classify(err: unknown, limits: FormLimits): ApiError {
  if (err instanceof ApiError) {
    if (err.status === 413) throw err;
    return err;
  }
  if (err instanceof MaxFileSizeExceededError) {
    throw new ApiError("FILE_TOO_LARGE", `A part of the form is over ${limits.maxFileBytes} bytes: an image may be at most 10 MB.`);
  }
  if (err instanceof MaxTotalSizeExceededError) throw tooLarge(limits.maxBytes);
  if (err instanceof MaxPartsExceededError) {
    return new ApiError("VALIDATION_FAILED", `The form has more than ${limits.maxParts} parts.`, {
      details: [{ path: "", message: `at most ${limits.maxParts} parts` }],
    });
  }
  return malformed("Malformed multipart/form-data body (check the boundary).");
}
