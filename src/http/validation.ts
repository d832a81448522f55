import type { z } from "zod";
import { ApiError, type ErrorDetail } from "../errors";
import { JSON_MAX_DEPTH } from "../lib/json-depth";

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

type Pair = [input: unknown, parsed: unknown, path: string];

/**
 * Dotted paths of fields present in `input` that `schema` would drop, for the
 * `x-ignored-fields` header (unknown fields are ignored but named).
 * The walk is iterative (a stack of per-object iterators, so the order is the
 * depth-first one) and stops JSON_MAX_DEPTH levels down: schemas nest a few
 * levels, and deeper values are free-form JSON kept as sent (metadata,
 * classifications), where nothing is dropped. No body can overflow the stack.
 */
export function ignoredFields(input: unknown, parsed: unknown): string[] {
  const out: string[] = [];
  if (!isPlainObject(input) || !isPlainObject(parsed)) return out;
  const stack: Array<{ pairs: Iterator<Pair>; depth: number }> = [{ pairs: compare(input, parsed, "", out), depth: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { pairs: Iterator<Pair>; depth: number };
    const step = top.pairs.next();
    if (step.done) {
      stack.pop();
      continue;
    }
    const [a, b, path] = step.value;
    if (top.depth + 1 <= JSON_MAX_DEPTH && isPlainObject(a) && isPlainObject(b)) stack.push({ pairs: compare(a, b, path, out), depth: top.depth + 1 });
  }
  return out;
}

/** Reports the keys of one object that `parsed` dropped; yields the pairs to compare below it. */
function* compare(input: Record<string, unknown>, parsed: Record<string, unknown>, prefix: string, out: string[]): Generator<Pair, void> {
  for (const key of Object.keys(input)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!(key in parsed)) {
      if (input[key] !== undefined) out.push(path);
      continue;
    }
    const a = input[key];
    const b = parsed[key];
    if (Array.isArray(a) && Array.isArray(b)) {
      for (const [i, item] of a.entries()) yield [item, b[i], `${path}.${i}`];
    } else {
      yield [a, b, path];
    }
  }
}

/** Longest `x-ignored-fields` value sent; past it the list ends with "..." (real proxies refuse huge headers). */
export const IGNORED_FIELDS_HEADER_MAX = 2048;

/**
 * The `x-ignored-fields` header value for `names`. Field names are client
 * input: control characters (which a header value cannot hold, so setting it
 * threw and answered 500) are written as `\uXXXX`, and the list is capped.
 */
export function ignoredFieldsHeader(names: readonly string[]): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this escapes.
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
