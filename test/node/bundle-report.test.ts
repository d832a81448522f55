import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { BUNDLE_BUDGET_GZIP_BYTES, checkBudget, contributors, ownerOf } from "../../scripts/bundle-report.mjs";

const check = checkBudget as (total: number, budget?: number) => { ok: boolean; message: string };
const byPackage = contributors as (meta: unknown, entryGzip: number) => Array<{ name: string; bytes: number; gzipEstimate: number }>;

describe("bundle report (scripts/bundle-report.mjs)", () => {
  it("passes at the budget and fails one byte above it", () => {
    expect(BUNDLE_BUDGET_GZIP_BYTES).toBe(400_000);
    expect(check(BUNDLE_BUDGET_GZIP_BYTES).ok).toBe(true);
    const over = check(BUNDLE_BUDGET_GZIP_BYTES + 1);
    expect(over.ok).toBe(false);
    expect(over.message).toContain("OVER the budget of 390.6 KiB");
  });

  it("groups index.js's inputs by package or src/ folder, biggest first, gzip shared in proportion", () => {
    expect(ownerOf("node_modules/@scope/pkg/dist/a.js")).toBe("@scope/pkg");
    expect(ownerOf("node_modules/.pnpm/x/node_modules/zod/v4/core/a.js")).toBe("zod");
    expect(ownerOf("src/services/users/passkeys.ts")).toBe("src/services");
    const meta = {
      outputs: {
        "out/index.js.map": { inputs: {} },
        "out/index.js": {
          entryPoint: "src/index.ts",
          inputs: {
            "node_modules/zod/v4/core/a.js": { bytesInOutput: 600 },
            "node_modules/zod/v4/classic/b.js": { bytesInOutput: 200 },
            "src/routes/health.ts": { bytesInOutput: 200 },
          },
        },
      },
    };
    expect(byPackage(meta, 100)).toEqual([
      { name: "zod", bytes: 800, gzipEstimate: 80 },
      { name: "src/routes", bytes: 200, gzipEstimate: 20 },
    ]);
  });
});
