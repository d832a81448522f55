import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

// Packaging, proven the way a user meets it: `npm pack` (prepack builds dist/), the tarball
// installed into a scratch project, and short ESM and CommonJS programs run there against a live
// Drape, plus a TypeScript program type-checked against the packed declarations (both module kinds).
const baseUrl = inject("baseUrl");
const apiKey = inject("demoApiKey");
const pkgDir = fileURLToPath(new URL("../..", import.meta.url));
const repoRoot = join(pkgDir, "..", "..");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const npmEnv = { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" };

let scratch: string;

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", env: { ...npmEnv, DRAPE_BASE_URL: baseUrl, DRAPE_API_KEY: apiKey }, timeout: 180_000 });
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "drape-client-packed-"));
  const packDir = join(scratch, "pack");
  mkdirSync(packDir);
  run("npm", ["pack", "--silent", "--pack-destination", packDir], pkgDir);
  const tarball = readdirSync(packDir).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error("npm pack wrote no tarball");
  const app = join(scratch, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "scratch", version: "1.0.0", private: true }));
  // The tarball's own dependency (openapi-fetch) comes from the npm cache the repository's install filled.
  run("npm", ["install", "--prefer-offline", "--no-save", "--ignore-scripts", join(packDir, tarball)], app);
  cpSync(join(repoRoot, "scripts", "assets", "person.jpg"), join(app, "person.jpg"));
}, 240_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("the packed @drape/client in a scratch project", () => {
  it("ships dist/ and the README only", () => {
    const files = run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], pkgDir);
    const paths = (JSON.parse(files) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((f) => f.path) ?? [];
    expect(paths).toContain("dist/esm/index.js");
    expect(paths).toContain("dist/cjs/index.js");
    expect(paths).toContain("dist/esm/index.d.ts");
    expect(paths).toContain("README.md");
    expect(paths.filter((p) => p.startsWith("src/") || p.startsWith("test/"))).toEqual([]);
  });

  it("an ESM program runs a try-on from a file path (./node) through to a COMPLETED result", () => {
    const app = join(scratch, "app");
    writeFileSync(
      join(app, "example.mjs"),
      `import { Drape } from "@drape/client";
import { fileFromPath } from "@drape/client/node";
const drape = new Drape({ apiKey: process.env.DRAPE_API_KEY, baseUrl: process.env.DRAPE_BASE_URL });
const image = await drape.images.upload(await fileFromPath("person.jpg"));
const product = await drape.products.upsert({ externalId: "packed-esm", title: "Packed", images: [{ source: { url: image.imageUrl } }] });
const accepted = await drape.tryOn.create({ products: [{ externalId: product.externalId }], person: { image: { source: { id: image.imageId } } } });
const done = await drape.generations.waitFor(accepted, { timeout: 60000 });
const res = await fetch(done.resultImageUrl);
console.log(JSON.stringify({ status: done.status, resultStatus: res.status, livemode: drape.livemode }));
`,
    );
    const out = JSON.parse(run("node", ["example.mjs"], app).trim().split("\n").pop() ?? "{}");
    expect(out).toEqual({ status: "COMPLETED", resultStatus: 200, livemode: true });
  });

  it("a CommonJS program requires the package and gets a typed DrapeError for a bad key", () => {
    const app = join(scratch, "app");
    writeFileSync(
      join(app, "example.cjs"),
      `const { Drape, DrapeError } = require("@drape/client");
const { fileFromPath } = require("@drape/client/node");
(async () => {
  const drape = new Drape({ apiKey: process.env.DRAPE_API_KEY, baseUrl: process.env.DRAPE_BASE_URL });
  const credits = await drape.account.credits();
  const bad = new Drape({ apiKey: "dr_live_nope", baseUrl: process.env.DRAPE_BASE_URL });
  const err = await bad.account.get().catch((e) => e);
  console.log(JSON.stringify({ balance: typeof credits.creditBalance, isDrapeError: err instanceof DrapeError, code: err.code, status: err.status, helper: typeof fileFromPath }));
})();
`,
    );
    const out = JSON.parse(run("node", ["example.cjs"], app).trim().split("\n").pop() ?? "{}");
    expect(out).toEqual({ balance: "number", isDrapeError: true, code: "INVALID_API_KEY", status: 401, helper: "function" });
  });

  it("the declarations type-check a TypeScript program, as ESM and as CommonJS (module: nodenext)", () => {
    const app = join(scratch, "app");
    const program = `import { Drape, DrapeError, type Generation } from "@drape/client";
import { fileFromPath } from "@drape/client/node";
export async function demo(): Promise<Generation["status"]> {
  const drape = new Drape({ apiKey: "k", baseUrl: "https://drape.example.com" });
  const file = await fileFromPath("person.jpg");
  const image = await drape.images.upload(file);
  const g = await drape.tryOn.run({ products: [{ externalId: "p" }], person: { image: { source: { id: image.imageId } } } });
  for await (const p of drape.products.list()) p.externalId.toUpperCase();
  try { await drape.account.get(); } catch (e) { if (e instanceof DrapeError) e.code.toLowerCase(); }
  // @ts-expect-error: a wrong field is caught by the generated types
  await drape.tryOn.create({ products: [{ externalId: "p" }], person: { image: { source: { id: 1 } } } });
  return g.status;
}
`;
    writeFileSync(join(app, "esm.mts"), program);
    writeFileSync(join(app, "cjs.cts"), program);
    // @types/node of the repository for node:fs in the ./node declarations.
    mkdirSync(join(app, "node_modules", "@types"), { recursive: true });
    cpSync(join(repoRoot, "node_modules", "@types", "node"), join(app, "node_modules", "@types", "node"), { recursive: true });
    cpSync(join(repoRoot, "node_modules", "undici-types"), join(app, "node_modules", "undici-types"), { recursive: true });
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          lib: ["es2023", "dom"],
          types: ["node"],
          strict: true,
          noEmit: true,
        },
        files: ["esm.mts", "cjs.cts"],
      }),
    );
    expect(() => run("node", [tsc, "-p", "tsconfig.json"], app)).not.toThrow();
  });
});
