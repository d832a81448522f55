import type { Context } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import type { FilePart } from "../lib/multipart-form";
import { isFormData } from "./body-limit";
import { readForm } from "./request-body";

export interface MultipartBody {
  /** The `data` field parsed as JSON; undefined when absent. */
  data: unknown;
  /** Text fields other than `data` (first value wins). */
  fields: Map<string, string>;
  /** File parts by field name (first value wins). */
  files: Map<string, FilePart>;
}

export function isMultipart(c: Context<AppEnv>): boolean {
  return isFormData(c.req.header("content-type"));
}

/**
 * The multipart/form-data body of a route that takes files, read once as it
 * streams (src/http/request-body.ts) within the route's caps
 * (src/http/body-limit.ts). Returns the `data` field parsed as JSON
 * (VALIDATION_FAILED at path "" if malformed), the other text fields, and the
 * file parts by field name.
 */
export async function parseMultipart(c: Context<AppEnv>): Promise<MultipartBody> {
  if (!isMultipart(c)) {
    throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "This request must be multipart/form-data.");
  }
  const { form } = await readForm(c);
  if (form instanceof ApiError) throw form;

  const fields = new Map(form.fields);
  const dataText = fields.get("data");
  fields.delete("data");
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
  return { data, fields, files: form.files };
}

/** A body that may be JSON, or multipart with its JSON in `data` and files beside it. */
export interface JsonOrMultipartBody {
  raw: unknown;
  /** File parts by name; null for a JSON request (a fileKey then names no part). */
  files: Map<string, FilePart> | null;
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
