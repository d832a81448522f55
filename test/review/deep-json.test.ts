import { describe, expect, it } from "vitest";
import { ignoredFields } from "../../src/http/validation";
import { api, createAccount } from "../helpers/harness";

// Free-form JSON (product image `classifications`, `metadata`) is kept as sent; a deeply
// nested value must not overflow the stack while unknown fields are collected (a 500).
const nested = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);

describe("deeply nested free-form JSON", () => {
  it("POST /products with deeply nested free-form values: stored within the caps, refused beyond, never a 500", async () => {
    const acct = await createAccount();
    const post = (classifications: string, metadata = "null") =>
      api(acct, "/products", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"externalId":"deep","images":[{"url":"https://cdn.example.com/a.jpg","classifications":${classifications}}],"metadata":${metadata},"typo":1}`,
      });
    const ok = await post(nested(600), nested(2500)); // 3.6 KB and 15 KB: inside the 4 KB / 16 KB caps
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-ignored-fields")).toBe("typo");
    const tooDeep = await post(nested(20000));
    expect(tooDeep.status).toBe(400);
    expect(((await tooDeep.json()) as { code: string; details: { path: string }[] })).toMatchObject({
      code: "VALIDATION_FAILED",
      details: [{ path: "images.0.classifications" }],
    });
  });

  it("ignoredFields still names unknown fields at schema depth and stops inside free-form values", () => {
    const input = JSON.parse(`{"x":1,"p":{"q":2,"deep":${nested(20000)}}}`) as Record<string, unknown>;
    const parsed = { p: { deep: (input.p as Record<string, unknown>).deep } };
    expect(ignoredFields(input, parsed)).toEqual(["x", "p.q"]);
  });
});
