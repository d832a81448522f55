import type { z } from "zod";
import { ApiError, type ErrorDetail } from "../errors";

/** Zod issues → Genlook-style details: dotted paths (`product.images.0.url`). */
export function issuesToDetails(issues: readonly z.core.$ZodIssue[]): ErrorDetail[] {
  return issues.map((issue) => ({
    path: issue.path.map((p) => String(p)).join("."),
    message: issue.message,
  }));
}

export function validationError(issues: readonly z.core.$ZodIssue[], message = "The request did not match the schema."): ApiError {
  return new ApiError("VALIDATION_FAILED", message, { details: issuesToDetails(issues) });
}

/** Parses `value` with `schema` or throws VALIDATION_FAILED; for bodies read by hand (multipart `data`). */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error.issues);
  return result.data;
}

/** Deepest object level `ignoredFields` compares (request schemas are far shallower). */
const IGNORED_FIELDS_MAX_DEPTH = 16;

/**
 * Dotted paths of fields present in `input` that `schema` would drop, for the
 * `x-ignored-fields` header (unknown fields are ignored but named).
 */
export function ignoredFields(input: unknown, parsed: unknown, prefix = "", depth = 0): string[] {
  // Schemas nest a few levels; deeper values are free-form JSON kept as sent (metadata,
  // classifications), where nothing is dropped. Stopping here keeps a deeply nested body
  // from overflowing the stack (a 500).
  if (depth > IGNORED_FIELDS_MAX_DEPTH || !isPlainObject(input) || !isPlainObject(parsed)) return [];
  const out: string[] = [];
  for (const key of Object.keys(input)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!(key in parsed)) {
      if (input[key] !== undefined) out.push(path);
      continue;
    }
    const a = input[key];
    const b = parsed[key];
    if (Array.isArray(a) && Array.isArray(b)) {
      a.forEach((item, i) => out.push(...ignoredFields(item, b[i], `${path}.${i}`, depth + 1)));
    } else {
      out.push(...ignoredFields(a, b, path, depth + 1));
    }
  }
  return out;
}

/** Longest `x-ignored-fields` value sent; past it the list ends with "..." (real proxies refuse huge headers). */
export const IGNORED_FIELDS_HEADER_MAX = 2048;

/**
 * The `x-ignored-fields` header value for `names`. Field names are client
 * input: control characters (which a header value cannot hold, so setting it
 * threw and answered 500) are written as `\uXXXX`, and the list is capped.
 */
export function ignoredFieldsHeader(names: readonly string[]): string {
  const escaped = names.map((n) => n.replace(/[\u0000-\u001f\u007f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`));
  let out = "";
  for (const name of escaped) {
    const next = out === "" ? name : `${out}, ${name}`;
    if (next.length > IGNORED_FIELDS_HEADER_MAX) return out === "" ? "..." : `${out}, ...`;
    out = next;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
