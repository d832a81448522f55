import { readFile } from "node:fs/promises";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";

// docs/openapi.json is the Worker's own document (CI checks it is current with
// `npm run check:openapi`); here a real OpenAPI 3.1 validator judges it.
describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const doc = JSON.parse(await readFile(new URL("../../docs/openapi.json", import.meta.url), "utf8")) as { openapi: string };
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
