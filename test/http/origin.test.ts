import { describe, expect, it } from "vitest";
import { originOf } from "../../src/http/context";

describe("a request's origin", () => {
  it("is what the URL parser says for every shape of request URL", () => {
    const urls = [
      "https://api.drape.test/tryon/v1/generations/gen_1?x=1",
      "http://127.0.0.1:8787/healthz",
      "http://[::1]:8787/a/b",
      "https://api.drape.test",
      "https://api.drape.test?q=1",
      "https://api.drape.test#frag",
      "https://user:pass@api.drape.test/x",
    ];
    for (const url of urls) expect(originOf(new URL(url).href), url).toBe(new URL(url).origin);
  });
});
