import { describe, expect, it } from "vitest";
import { JSON_MAX_DEPTH } from "../../src/lib/json-depth";
import { ProductInputSchema } from "../../src/schemas/products";

// The same schema in Node, whose stack is smaller than workerd's: before the depth bound,
// JSON.stringify inside the metadata refinement threw RangeError here at depths a 1 MB body
// allows. The answer must not depend on the runtime's stack.
describe("free-form JSON depth in Node", () => {
  it("a 500 000-level metadata is a validation issue, not a RangeError", () => {
    const deep = JSON.parse("[".repeat(500_000) + "]".repeat(500_000)) as unknown;
    const result = ProductInputSchema.safeParse({
      externalId: "x",
      metadata: deep,
      images: [{ url: "https://cdn.example.com/a.jpg", classifications: { k: deep } }],
    });
    expect(result.success).toBe(false);
    const issues = result.error?.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    expect(issues).toEqual([
      { path: "images.0.classifications", message: `too deeply nested (max ${JSON_MAX_DEPTH})` },
      { path: "metadata", message: `too deeply nested (max ${JSON_MAX_DEPTH})` },
    ]);
  });
});
