import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import doc from "../../docs/openapi.json";

// docs/openapi.json is the Worker's own document (CI checks it is current with
// `npm run check:openapi`); here a real OpenAPI 3.1 validator judges it. This
// runs in Node because the validator reads its meta-schemas from disk.
describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(structuredClone(doc) as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
