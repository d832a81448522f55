/**
 * The slice of `node:buffer` Drape uses (workerd provides it under
 * `nodejs_compat`; the generated Worker types do not declare Node modules).
 */
declare module "node:buffer" {
  export class Buffer extends Uint8Array {
    static from(data: ArrayBufferLike, byteOffset?: number, length?: number): Buffer;
    static from(data: string, encoding: "base64" | "base64url"): Buffer;
    toString(encoding: "base64" | "base64url"): string;
  }
}
