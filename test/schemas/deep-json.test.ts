import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { accountGate } from "../../src/durable/account-gate/client";
import { JSON_MAX_BYTES } from "../../src/http/body-limit";
import { ignoredFields } from "../../src/http/validation";
import { JSON_MAX_DEPTH, nestsDeeperThan } from "../../src/lib/json-depth";
import { ProductSchema } from "../../src/schemas/products";
import { api, createAccount, env, expectEnvelope, readWire } from "../helpers/harness";
import { captureGenerationQueue } from "../helpers/pipeline";
import { grantCredits } from "../services/credits/helpers";

// Free-form JSON (product `metadata`, image `classifications`) is bounded to JSON_MAX_DEPTH
// levels by an iterative walk, so no nesting a 1 MB body can carry reaches JSON.stringify
// (which recurses, and overflows the stack where it is small: a 500).
const objects = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
const arrays = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
/** The deepest `[[…]]` that fits in a 1 MB body after `prefix` and `suffix`. */
const deepestFor = (prefix: string, suffix: string) => Math.floor((JSON_MAX_BYTES - prefix.length - suffix.length) / 2);

let queue: ReturnType<typeof captureGenerationQueue>;
beforeEach(() => {
  queue = captureGenerationQueue();
});
afterEach(() => queue.restore());

async function expectTooDeep(res: Response, path: string): Promise<void> {
  const body = await expectEnvelope(res, 400, "VALIDATION_FAILED");
  expect(body.details).toEqual([{ path, message: `too deeply nested (max ${JSON_MAX_DEPTH})` }]);
}

describe("deeply nested free-form JSON", () => {
  it("POST /products: 32 levels of metadata and classifications are stored; 33, 1000 and the deepest a 1 MB body allows are VALIDATION_FAILED", async () => {
    const acct = await createAccount();
    const post = (classifications: string, metadata = "null") =>
      api(acct, "/products", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"externalId":"deep","images":[{"url":"https://cdn.example.com/a.jpg","classifications":${classifications}}],"metadata":${metadata},"typo":1}`,
      });
    const ok = await post(`{"k":${objects(31)}}`, objects(32));
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-ignored-fields")).toBe("typo");
    expect((await readWire(ok, ProductSchema)).metadata).toEqual(JSON.parse(objects(32)));

    for (const depth of [33, 1000]) {
      await expectTooDeep(await post("{}", objects(depth)), "metadata");
      await expectTooDeep(await post(`{"k":${arrays(depth - 1)}}`), "images.0.classifications");
    }
    const metaPrefix = '{"externalId":"deep","images":[{"url":"https://cdn.example.com/a.jpg"}],"metadata":';
    const deepest = deepestFor(metaPrefix, "}");
    expect(deepest).toBeGreaterThan(500_000);
    const body = `${metaPrefix + arrays(deepest)}}`;
    expect(body.length).toBeLessThanOrEqual(JSON_MAX_BYTES);
    await expectTooDeep(await api(acct, "/products", { method: "POST", headers: { "content-type": "application/json" }, body }), "metadata");

    const clsPrefix = '{"externalId":"deep","images":[{"url":"https://cdn.example.com/a.jpg","classifications":{"k":';
    await expectTooDeep(
      await api(acct, "/products", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `${clsPrefix + arrays(deepestFor(clsPrefix, "}}]}"))}}}]}`,
      }),
      "images.0.classifications",
    );
    const stored = await env.DB.prepare("SELECT metadata FROM products WHERE account_id = ? AND external_id = 'deep'")
      .bind(acct.accountId)
      .first<{ metadata: string }>();
    expect(JSON.parse(stored?.metadata ?? "null")).toEqual(JSON.parse(objects(32)));
  });

  it("POST /try-on (JSON and multipart `data`): an over-deep inline product is VALIDATION_FAILED at its path, nothing charged", async () => {
    const acct = await createAccount();
    await grantCredits(acct.accountId, 3);
    const prefix =
      '{"person":{"image":{"source":{"url":"https://cdn.example.com/me.jpg"}}},"products":[{"externalId":"p","images":[{"url":"https://cdn.example.com/a.jpg"}],"metadata":';
    const json = `${prefix + arrays(deepestFor(prefix, "}]}"))}}]}`;
    await expectTooDeep(await api(acct, "/try-on", { method: "POST", headers: { "content-type": "application/json" }, body: json }), "products.0.metadata");
    const form = new FormData();
    form.set("data", `${prefix + objects(1000)}}]}`);
    await expectTooDeep(await api(acct, "/try-on/sync", { method: "POST", body: form }), "products.0.metadata");
    const { entries } = await accountGate(env, acct.accountId).ledger(50);
    expect(entries.filter((e) => e.kind === "reserve")).toEqual([]);
    expect(queue.messages).toEqual([]);
  });

  it("nestsDeeperThan counts levels of objects and arrays alike, wide or deep, without recursion", () => {
    expect(nestsDeeperThan(JSON.parse(objects(32)), 32)).toBe(false);
    expect(nestsDeeperThan(JSON.parse(objects(33)), 32)).toBe(true);
    expect(nestsDeeperThan(JSON.parse(`[1,{"a":[${arrays(29)}]},"x"]`), 32)).toBe(false);
    expect(nestsDeeperThan(JSON.parse(`[1,{"a":[${arrays(30)}]},"x"]`), 32)).toBe(true);
    expect(nestsDeeperThan("scalar", 0)).toBe(false);
    expect(nestsDeeperThan(Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, { v: [i] }])), 32)).toBe(false);
    expect(nestsDeeperThan(JSON.parse(arrays(600_000)), 32)).toBe(true);
  });

  it("ignoredFields still names unknown fields at schema depth and stops inside free-form values", () => {
    const input = JSON.parse(`{"x":1,"p":{"q":2,"deep":${objects(600_000)}},"list":[{"ok":1,"no":2}]}`) as Record<string, unknown>;
    const parsed = { p: { deep: (input.p as Record<string, unknown>).deep }, list: [{ ok: 1 }] };
    expect(ignoredFields(input, parsed)).toEqual(["x", "p.q", "list.0.no"]);
  });
});
