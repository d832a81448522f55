import { ApiError } from "../errors";
import { base64UrlDecode, base64UrlEncode } from "./base64";
import { type IdKind, isId } from "./ids";

/**
 * One list shape and one cursor for every list of the API (docs/pagination.md).
 *
 * A cursor is opaque to clients: `nextCursor` is passed back as `cursor`,
 * unchanged. Inside it is `v1.<list>.<position>` in base64url: versioned, so
 * the encoding can change without misreading old cursors; bound to its list,
 * so one list's cursor is refused by another; and its position is checked
 * for shape before any query runs. Anything else answers VALIDATION_FAILED at
 * `cursor`. It carries no signature: every list is scoped to the caller's own
 * account (or to the operator), so an edited cursor can only start the caller's
 * own list somewhere else.
 */
export type ListName = "accounts" | "api-keys" | "products" | "generations" | "webhook-endpoints" | "webhook-deliveries" | "credit-ledger" | "at-rest-reseal";

const VERSION = "v1";

/** What every list answers. */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  hasMore: boolean;
  /** Items in this page. */
  count: number;
}

/** What every list takes (limit 1–200, default 50: PaginationQuerySchema). */
export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export interface Cursor<P> {
  encode(position: P): string;
  /** The position in `cursor`; undefined for the first page; VALIDATION_FAILED at `cursor` when it is not one of this list's. */
  decode(cursor: string | undefined): P | undefined;
}

function invalid(): ApiError {
  return new ApiError("VALIDATION_FAILED", "The cursor is not one this list returned: pass `nextCursor` from the previous page, unchanged.", {
    details: [{ path: "cursor", message: "Invalid cursor" }],
  });
}

/** The text inside a cursor: printable ASCII only (every position is), else null. */
function fromBase64Url(s: string): string | null {
  if (!/^[A-Za-z0-9_-]+$/.test(s)) return null;
  try {
    const text = new TextDecoder().decode(base64UrlDecode(s));
    return /^[\x20-\x7e]*$/.test(text) ? text : null;
  } catch {
    return null;
  }
}

/** A cursor over `list` whose position is written by `write` and read back (null = refused) by `read`. */
export function cursorCodec<P>(list: ListName, write: (p: P) => string, read: (text: string) => P | null): Cursor<P> {
  const prefix = `${VERSION}.${list}.`;
  return {
    encode: (position) => base64UrlEncode(new TextEncoder().encode(prefix + write(position))),
    decode(cursor) {
      if (cursor === undefined || cursor === "") return undefined;
      const text = fromBase64Url(cursor);
      if (text === null || !text.startsWith(prefix)) throw invalid();
      const position = read(text.slice(prefix.length));
      if (position === null) throw invalid();
      return position;
    },
  };
}

/** A list ordered by id (newest first, ids sort by creation): the position is the last id of the page. */
export function idCursor(list: ListName, kind: IdKind): Cursor<string> {
  return cursorCodec(
    list,
    (id) => id,
    (text) => (isId(kind, text) ? text : null),
  );
}

/** A list ordered by an integer sequence: the position is the last sequence number of the page. */
export function seqCursor(list: ListName): Cursor<number> {
  return cursorCodec(
    list,
    (seq) => String(seq),
    (text) => (/^(0|[1-9][0-9]{0,15})$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : null),
  );
}

/**
 * The page from rows read with `limit + 1` (the extra row only says whether
 * there is more), mapped by `present`; the cursor is the position of the
 * page's last row.
 */
export function pageOf<R, T, P>(rows: readonly R[], limit: number, cursor: Cursor<P>, positionOf: (row: R) => P, present: (row: R) => T): Page<T> {
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(present),
    nextCursor: hasMore && last !== undefined ? cursor.encode(positionOf(last)) : null,
    hasMore,
    count: page.length,
  };
}

/** The page of a source that already cut it (the AccountGate's ledger): its items and the position after them, if any. */
export function pageAt<T, P>(items: T[], next: P | null, cursor: Cursor<P>): Page<T> {
  return { items, nextCursor: next === null ? null : cursor.encode(next), hasMore: next !== null, count: items.length };
}
