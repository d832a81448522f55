import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { render } from "../../scripts/gen-common-passwords.mjs";

describe("the bundled common-password list", () => {
  it("is exactly what scripts/gen-common-passwords.mjs makes from the pinned package", () => {
    const committed = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../../src/services/users/common-passwords.ts"), "utf8");
    expect(committed).toBe((render as () => string)());
  });
});
