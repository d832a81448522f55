import { describe, expect, it } from "vitest";
import { IGNORED_FIELDS_HEADER_MAX } from "../../src/http/validation";
import { api, createAccount } from "../helpers/harness";

function post(acct: { key: string }, path: string, json: unknown): Promise<Response> {
  return api(acct, path, { method: "POST", body: JSON.stringify(json), headers: { "content-type": "application/json" } });
}

describe("x-ignored-fields never turns client input into a 5xx", () => {
  for (const name of ["a\r\nb", "a\u0000b", "tab\there"]) {
    it(`an unknown field named ${JSON.stringify(name)} is ignored and reported escaped`, async () => {
      const acct = await createAccount();
      const product = await post(acct, "/products", { externalId: "p1", imageUrls: ["https://cdn.example.com/a.jpg"], [name]: 1 });
      expect(product.status).toBe(200);
      const header = product.headers.get("x-ignored-fields") ?? "";
      expect(header).toContain("\\u00");
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the header must carry no control character.
      expect(header).not.toMatch(/[\u0000-\u001f]/);

      const tryOn = await post(acct, "/try-on", { products: [{ externalId: "nope" }], person: { image: { source: { id: "img_x" } } }, [name]: 1 });
      expect(tryOn.status).toBe(404);
    });
  }

  it("thousands of unknown fields give a bounded header", async () => {
    const acct = await createAccount();
    const json: Record<string, unknown> = { externalId: "p2", imageUrls: ["https://cdn.example.com/a.jpg"] };
    for (let i = 0; i < 5000; i++) json[`extra${i}`] = 1;
    const res = await post(acct, "/products", json);
    expect(res.status).toBe(200);
    const header = res.headers.get("x-ignored-fields") ?? "";
    expect(header.startsWith("extra0, extra1, ")).toBe(true);
    expect(header.endsWith(", ...")).toBe(true);
    expect(header.length).toBeLessThanOrEqual(IGNORED_FIELDS_HEADER_MAX + 5);
  });
});
