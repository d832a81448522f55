import type { Context } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { readLimited } from "../lib/image-intake";

export interface MultipartBody {
  /** The `data` field parsed as JSON; undefined when absent. */
  data: unknown;
  /** Text fields other than `data` (first value wins). */
  fields: Map<string, string>;
  /** File parts by field name (first value wins). */
  files: Map<string, File>;
}

export function isMultipart(c: Context<AppEnv>): boolean {
  return /^multipart\/form-data\b/i.test(c.req.header("content-type") ?? "");
}

/**
 * Parses multipart/form-data (already capped by src/http/body-limit.ts).
 * `maxBytes` tightens the cap for routes that take one image (upload): the body
 * is then counted while it streams and abandoned with FILE_TOO_LARGE past it.
 * Returns the `data` field parsed as JSON (VALIDATION_FAILED at path "" if
 * malformed), the other text fields, and the file parts by field name.
 */
export async function parseMultipart(c: Context<AppEnv>, opts: { maxBytes?: number } = {}): Promise<MultipartBody> {
  const contentType = c.req.header("content-type") ?? "";
  if (!isMultipart(c)) {
    throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "This request must be multipart/form-data.");
  }
  let form: FormData;
  try {
    if (opts.maxBytes !== undefined) {
      const max = opts.maxBytes;
      const declared = Number(c.req.header("content-length") ?? "");
      if (Number.isFinite(declared) && declared > max) throw new ApiError("FILE_TOO_LARGE", `The request is ${declared} bytes: an image may be at most 10 MB.`);
      const bytes = await readLimited(c.req.raw.body, max, () => new ApiError("FILE_TOO_LARGE", `The request is over ${max} bytes: an image may be at most 10 MB.`));
      form = await new Response(bytes, { headers: { "content-type": contentType } }).formData();
    } else {
      form = await c.req.raw.formData();
    }
  } catch (err) {
    // Size errors (ours, or the body-limit middleware's) keep their meaning.
    if (err instanceof ApiError || (err instanceof Error && err.name === "BodyLimitError")) throw err;
    throw new ApiError("VALIDATION_FAILED", "The multipart body could not be parsed.", {
      details: [{ path: "", message: "Malformed multipart/form-data body (check the boundary)." }],
    });
  }

  const fields = new Map<string, string>();
  const files = new Map<string, File>();
  let dataText: string | undefined;
  for (const [name, value] of form.entries()) {
    if (typeof value === "string") {
      if (name === "data") dataText ??= value;
      else if (!fields.has(name)) fields.set(name, value);
    } else if (name === "data" && dataText === undefined) {
      // Some clients send the JSON as a file part with type application/json.
      dataText = await value.text();
    } else if (!files.has(name)) {
      files.set(name, value);
    }
  }

  let data: unknown;
  if (dataText !== undefined) {
    try {
      data = JSON.parse(dataText);
    } catch (err) {
      throw new ApiError("VALIDATION_FAILED", "The `data` field is not valid JSON.", {
        details: [{ path: "", message: err instanceof Error ? err.message : "Malformed JSON in the data field" }],
      });
    }
  }
  return { data, fields, files };
}

/** A body that may be JSON, or multipart with its JSON in `data` and files beside it. */
export interface JsonOrMultipartBody {
  raw: unknown;
  /** File parts by name; null for a JSON request (a fileKey then names no part). */
  files: Map<string, File> | null;
  /** Names of multipart text fields other than `data`. */
  fields: string[];
}

/**
 * Reads a route body that is either application/json or multipart/form-data
 * with its JSON in `data` (POST /products, POST /try-on). Malformed JSON is
 * VALIDATION_FAILED at path ""; a multipart body without `data` is
 * VALIDATION_FAILED at `data`; any other content type is UNSUPPORTED_MEDIA_TYPE.
 * The messages name the resource, e.g. "A multipart try-on carries …".
 */
export async function readJsonOrMultipart(c: Context<AppEnv>, messages: { missingData: string; unsupported: string }): Promise<JsonOrMultipartBody> {
  if (isMultipart(c)) {
    const form = await parseMultipart(c);
    if (form.data === undefined) throw new ApiError("VALIDATION_FAILED", messages.missingData, { details: [{ path: "data", message: "Required" }] });
    return { raw: form.data, files: form.files, fields: [...form.fields.keys()] };
  }
  if (/^application\/(?:[\w.+-]+\+)?json\b/i.test(c.req.header("content-type") ?? "")) {
    const text = await c.req.text();
    try {
      return { raw: JSON.parse(text) as unknown, files: null, fields: [] };
    } catch (err) {
      throw new ApiError("VALIDATION_FAILED", "The request body is not valid JSON.", {
        details: [{ path: "", message: err instanceof Error ? err.message : "Malformed JSON" }],
      });
    }
  }
  throw new ApiError("UNSUPPORTED_MEDIA_TYPE", messages.unsupported);
}
