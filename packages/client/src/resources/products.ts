import { type ApiClient, formBody, type PostOptions, postHeaders, type RequestOptions, unwrap } from "../core.js";
import { Paginator } from "../pagination.js";
import type { ListProductsQuery, Product, ProductDeleted, ProductInput, ProductStats } from "../types.js";
import { jsonWithFiles, type UploadFiles } from "../uploads.js";

export interface UpsertProductOptions extends PostOptions {
  /** Image bytes by `fileKey` (`images: [{ source: { fileKey: "front" } }]` → `{ front: blob }`). */
  files?: UploadFiles;
}

export class ProductsResource {
  constructor(private readonly api: ApiClient) {}

  /**
   * Creates or partially updates the product `input.externalId`. Images travel as URLs in the
   * JSON, or as bytes in `files`, each named by a `fileKey` of the input.
   */
  upsert(input: ProductInput, opts: UpsertProductOptions = {}): Promise<Product> {
    const init = { headers: postHeaders(opts), signal: opts.signal };
    if (opts.files && Object.keys(opts.files).length > 0) {
      return unwrap(this.api.POST("/tryon/v1/products", { ...init, body: formBody<ProductInput>(jsonWithFiles(input, opts.files)) }));
    }
    return unwrap(this.api.POST("/tryon/v1/products", { ...init, body: input }));
  }

  get(externalId: string, opts?: RequestOptions): Promise<Product> {
    return unwrap(this.api.GET("/tryon/v1/products/{externalId}", { params: { path: { externalId } }, signal: opts?.signal }));
  }

  /** Every product, newest first: `for await (const p of drape.products.list())`. `limit` is the page size. */
  list(query: Omit<ListProductsQuery, "cursor"> = {}, opts?: RequestOptions): Paginator<Product> {
    return new Paginator((cursor) =>
      unwrap(this.api.GET("/tryon/v1/products", { params: { query: { ...query, ...(cursor ? { cursor } : {}) } }, signal: opts?.signal })),
    );
  }

  delete(externalId: string, opts?: RequestOptions): Promise<ProductDeleted> {
    return unwrap(this.api.DELETE("/tryon/v1/products/{externalId}", { params: { path: { externalId } }, signal: opts?.signal }));
  }

  /** Generation counts and average time, optionally between `from` and `to` (ISO 8601). */
  stats(externalId: string, range: { from?: string; to?: string } = {}, opts?: RequestOptions): Promise<ProductStats> {
    return unwrap(this.api.GET("/tryon/v1/products/{externalId}/stats", { params: { path: { externalId }, query: range }, signal: opts?.signal }));
  }
}
