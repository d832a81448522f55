import { describe, expect, it } from "vitest";
import { ignoredFields } from "../../src/http/validation";
import { api, createAccount } from "../helpers/harness";

// Free-form JSON (product image `classifications`, `metadata`) is kept as sent; a deeply
// nested value must not overflow the stack while unknown fields are collected (a 500).
const nested = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);

describe("deeply nested free-form JSON", () => {
  it("POST /products with deeply nested classifications is stored, not a 500", async () => {
    const acct = await createAccount();
    const body = `{"externalId":"deep","images":[{"url":"https://cdn.example.com/a.jpg","classifications":${nested(20000)}}],"typo":1}`;
    const res = await api(acct, "/products", { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ignored-fields")).toBe("typo");
  });

  it("ignoredFields still names unknown fields at schema depth and stops inside free-form values", () => {
    const input = JSON.parse(`{"x":1,"p":{"q":2,"deep":${nested(20000)}}}`) as Record<string, unknown>;
    const parsed = { p: { deep: (input.p as Record<string, unknown>).deep } };
    expect(ignoredFields(input, parsed)).toEqual(["x", "p.q"]);
  });
});
