import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// Every error a test provokes is checked against its route's declared codes
// (test/helpers/error-recorder.ts), which sees only what goes through call() and
// callWithEnv() in test/helpers/harness.ts. This keeps it that way: no other test
// file may send a request to the Worker entry by itself.
const root = join(import.meta.dirname, "..");
const DOOR = "helpers/harness.ts";
const BYPASS = [/\bexports\.default\b/, /\bworker\.fetch\(/, /\bSELF\.fetch\(/, /\bcreateApp\(\)\.(fetch|request)\(/, /\bapp\.(fetch|request)\(/];

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node" ? [] : testFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

describe("the suite's one door to the Worker", () => {
  it("only test/helpers/harness.ts sends requests to the Worker", () => {
    const files = testFiles(root);
    expect(files.length).toBeGreaterThan(40);
    const offenders = files
      .filter((f) => relative(root, f) !== DOOR)
      .flatMap((f) => {
        const text = readFileSync(f, "utf8");
        return BYPASS.filter((re) => re.test(text)).map((re) => `${relative(root, f)}: ${re.source}`);
      });
    expect(offenders).toEqual([]);
    expect(readFileSync(join(root, DOOR), "utf8")).toMatch(/recordAnswer\(/);
  });
});
