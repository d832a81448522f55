/**
 * What an upload helper takes: a Blob or File (browsers, Workers, Deno, Bun, Node 20+), a
 * Uint8Array (a Node Buffer is one) or an ArrayBuffer. In Node, `fileFromPath` of
 * `@drape/client/node` opens a path as a File. The server judges the type by the bytes.
 */
export type Uploadable = Blob | Uint8Array | ArrayBuffer;

/** Files to send beside a JSON body, by the `fileKey` that names each one. */
export type UploadFiles = Record<string, Uploadable>;

export function toBlob(data: Uploadable): Blob {
  if (data instanceof Blob) return data;
  // A copy on a plain ArrayBuffer: a view over a SharedArrayBuffer (or a pooled Buffer's larger one) is no BlobPart.
  const view = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  const bytes = new Uint8Array(view.byteLength);
  bytes.set(view);
  return new Blob([bytes]);
}

function fileName(data: Uploadable, fallback: string): string {
  return typeof File !== "undefined" && data instanceof File && data.name ? data.name : fallback;
}

/** A form with `data` (the JSON body) and one file part per key: how the API takes files with JSON. */
export function jsonWithFiles(body: unknown, files: UploadFiles): FormData {
  const form = new FormData();
  form.set("data", JSON.stringify(body));
  for (const [key, data] of Object.entries(files)) form.set(key, toBlob(data), fileName(data, key));
  return form;
}

export function fileForm(field: string, data: Uploadable, fields: Record<string, string | undefined>): FormData {
  const form = new FormData();
  form.set(field, toBlob(data), fileName(data, "upload"));
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) form.set(k, v);
  return form;
}
