import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const entry = (name: string) => fileURLToPath(new URL(`../../src/${name}`, import.meta.url));

describe("runtime path", () => {
  it("the main entry bundles for a platform without Node built-ins (browsers, Workers, Deno, Bun)", async () => {
    const result = await build({
      entryPoints: [entry("index.ts")],
      bundle: true,
      write: false,
      platform: "browser",
      format: "esm",
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.startsWith("node:"))).toBe(false);
    expect(inputs.some((i) => i.endsWith("src/node.ts"))).toBe(false);
    expect(result.outputFiles[0]?.text).not.toMatch(/from\s*["']node:|require\(["']node:/);
  });

  it("the ./node entry is where node: built-ins live", async () => {
    const failed = await build({ entryPoints: [entry("node.ts")], bundle: true, write: false, platform: "browser", logLevel: "silent" }).catch(
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(Error);
  });
});
