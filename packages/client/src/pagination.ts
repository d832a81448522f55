import type { Page } from "./types.js";

/**
 * A cursor-paginated list. Iterate it for every item across pages
 * (`for await (const p of drape.products.list())`), or `.pages()` for page by page; pages are
 * fetched as the loop needs them, and nothing is fetched before the loop starts.
 */
export class Paginator<T> implements AsyncIterable<T> {
  constructor(private readonly fetchPage: (cursor: string | undefined) => Promise<Page<T>>) {}

  async *pages(): AsyncGenerator<Page<T>, void, undefined> {
    let cursor: string | undefined;
    for (;;) {
      const page = await this.fetchPage(cursor);
      yield page;
      if (!page.hasMore || !page.nextCursor) return;
      cursor = page.nextCursor;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.items;
  }

  /** The first page only. */
  firstPage(): Promise<Page<T>> {
    return this.fetchPage(undefined);
  }

  /** Every item, up to `max` (default: all). */
  async toArray(max = Number.POSITIVE_INFINITY): Promise<T[]> {
    const out: T[] = [];
    if (max <= 0) return out;
    for await (const item of this) {
      out.push(item);
      if (out.length >= max) break;
    }
    return out;
  }
}
