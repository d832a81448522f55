import { ApiError } from "../errors";

/** Where a deprecated field and its replacement sit in the request, for the message and `details`. */
export interface AliasPair {
  /** The deprecated field's name. */
  alias: string;
  /** The field that replaces it. */
  current: string;
  /** `details[].path` of a conflict; the alias's name when not given. */
  path?: string;
}

/**
 * The one rule for every deprecated field (docs/try-on.md): a request may
 * send the alias or its replacement, or both when they agree, and then the
 * replacement's value is used; when both are sent and differ, the request is
 * VALIDATION_FAILED with `details` at the alias's path. null and undefined
 * count as not sent. Values are compared as JSON with sorted keys (so
 * `{a,b}` equals `{b,a}`), or through `compareAs` when only part of a value
 * is what the alias can express.
 */
export function resolveAlias<T>(
  current: T | null | undefined,
  alias: T | null | undefined,
  at: AliasPair,
  compareAs: (value: T) => unknown = (value) => value,
): T | null {
  const a = current ?? null;
  const b = alias ?? null;
  if (a !== null && b !== null && stableJson(compareAs(a)) !== stableJson(compareAs(b))) {
    throw new ApiError("VALIDATION_FAILED", `\`${at.alias}\` (deprecated) and \`${at.current}\` were both sent with different values; send one.`, {
      details: [{ path: at.path ?? at.alias, message: `conflicts with ${at.current}` }],
    });
  }
  return a ?? b;
}

/** JSON with sorted keys, so `{a,b}` and `{b,a}` compare equal. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "undefined";
}
