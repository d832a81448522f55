import { describe, expect, it } from "vitest";
import { ProductListSchema, ProductSchema } from "../../src/schemas/products";
import { api, createAccount, expectEnvelope, readWire } from "../helpers/harness";

// Raw JSON text, so the lone surrogate reaches the server as the escape a client would send.
const LONE = "\\ud800";

describe("client-chosen ids must be well-formed text", () => {
  it("a product externalId with a lone surrogate is VALIDATION_FAILED, and nothing is stored", async () => {
    const acct = await createAccount();
    const body = `{"externalId":"shirt-${LONE}","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}`;
    const res = await api(acct, "/products", { method: "POST", body, headers: { "content-type": "application/json" } });
    const env = await expectEnvelope(res, 400, "VALIDATION_FAILED");
    expect(env.details).toEqual([{ path: "externalId", message: "must be well-formed Unicode (no lone surrogates)" }]);
    const list = await readWire(await api(acct, "/products"), ProductListSchema);
    expect(list.count).toBe(0);
  });

  it("an externalUserId with a lone surrogate is refused on try-on before any charge", async () => {
    const acct = await createAccount();
    const body = `{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"img_x"}}},"externalUserId":"u-${LONE}"}`;
    const res = await api(acct, "/try-on", { method: "POST", body, headers: { "content-type": "application/json" } });
    const env = await expectEnvelope(res, 400, "VALIDATION_FAILED");
    expect(env.details).toEqual([{ path: "externalUserId", message: "must be well-formed Unicode (no lone surrogates)" }]);
  });

  it("a well-formed astral character (a surrogate pair) is an ordinary id", async () => {
    const acct = await createAccount();
    const res = await api(acct, "/products", {
      method: "POST",
      json: { externalId: "shirt-👕", images: [{ source: { url: "https://cdn.example.com/a.jpg" } }] },
    });
    expect(res.status).toBe(200);
    expect((await readWire(res, ProductSchema)).externalId).toBe("shirt-👕");
  });
});
