import { type ApiClient, formBody, type PostOptions, postHeaders, type RequestOptions, unwrap } from "../core.js";
import type { Image, ImageUploadForm } from "../types.js";
import { fileForm, type Uploadable } from "../uploads.js";

export interface UploadImageOptions extends PostOptions {
  /** Your opaque end-user id (no PII): the key of `customers.delete`. */
  externalUserId?: string;
  /** Days the photo is kept (default: the account's window). */
  keepForDays?: 1 | 3 | 7;
  /** Record a centered 4:5 crop box for engines (default true). */
  crop?: boolean;
}

export class ImagesResource {
  constructor(private readonly api: ApiClient) {}

  /** Uploads a person photo (a Blob, File, Buffer, Uint8Array or ArrayBuffer) → a reusable `imageId`. */
  upload(file: Uploadable, opts: UploadImageOptions = {}): Promise<Image> {
    const form = fileForm("file", file, {
      externalUserId: opts.externalUserId,
      keepForDays: opts.keepForDays === undefined ? undefined : String(opts.keepForDays),
      crop: opts.crop === undefined ? undefined : String(opts.crop),
    });
    return unwrap(this.api.POST("/tryon/v1/images/upload", { body: formBody<ImageUploadForm>(form), headers: postHeaders(opts), signal: opts.signal }));
  }

  /** An image's metadata and a fresh signed URL. */
  get(imageId: string, opts?: RequestOptions): Promise<Image> {
    return unwrap(this.api.GET("/tryon/v1/images/{imageId}", { params: { path: { imageId } }, signal: opts?.signal }));
  }
}
