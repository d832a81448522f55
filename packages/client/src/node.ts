// Node-only helpers, kept out of the main entry so browsers, Workers, Deno and Bun never load
// node: built-ins: `import { fileFromPath } from "@drape/client/node"`.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";

/** A File with the bytes at `path` (for `images.upload`, or a `files` entry). */
export async function fileFromPath(path: string, name: string = basename(path)): Promise<File> {
  const bytes = await readFile(path);
  return new File([bytes], name);
}
