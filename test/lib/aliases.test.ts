import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors";
import { resolveAlias } from "../../src/lib/aliases";

const at = { alias: "retentionDays", current: "output.keepForDays" };

function conflictOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected a conflict");
}

describe("resolveAlias: the one rule for deprecated fields", () => {
  it("either field alone is its value; neither is null", () => {
    expect(resolveAlias(3, undefined, at)).toBe(3);
    expect(resolveAlias(undefined, 3, at)).toBe(3);
    expect(resolveAlias(null, 7, at)).toBe(7);
    expect(resolveAlias(undefined, null, at)).toBeNull();
  });

  it("both sent and agreeing (objects compared whatever their key order) is fine: the replacement's value is used", () => {
    expect(resolveAlias(3, 3, at)).toBe(3);
    const current = { id: "img_1", note: "a" };
    expect(resolveAlias(current, { note: "a", id: "img_1" }, at)).toBe(current);
  });

  it("both sent and differing is VALIDATION_FAILED at the alias path (or the path given)", () => {
    const err = conflictOf(() => resolveAlias(1, 3, at));
    expect(err.code).toBe("VALIDATION_FAILED");
    expect(err.details).toEqual([{ path: "retentionDays", message: "conflicts with output.keepForDays" }]);
    const nested = conflictOf(() =>
      resolveAlias({ url: "a" }, { url: "b" }, { alias: "images[0].url/fileKey", current: "images[0].source", path: "images.0" }),
    );
    expect(nested.details).toEqual([{ path: "images.0", message: "conflicts with images[0].source" }]);
  });

  it("compareAs compares only what the alias can express", () => {
    const images = [{ url: "https://a.example/1.jpg", classifications: { view: "front" } }];
    const urls = (list: Array<{ url?: string }>) => list.map((i) => i.url ?? null);
    expect(resolveAlias(images, [{ url: "https://a.example/1.jpg" }], { alias: "imageUrls", current: "images" }, urls)).toBe(images);
    expect(() => resolveAlias(images, [{ url: "https://a.example/2.jpg" }], { alias: "imageUrls", current: "images" }, urls)).toThrow(ApiError);
  });
});
