import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../src/errors";
import { checkUrlSafety, isLoopbackHost, safeFetchImage } from "../../src/lib/safe-fetch";
import { makePng } from "../helpers/images";

let png: Uint8Array;
let globalFetch: ReturnType<typeof vi.spyOn>;

beforeEach(async () => {
  png ??= await makePng(300, 300);
  // Nothing here may touch the real network: the injected fetcher is the only way out.
  globalFetch = vi.spyOn(globalThis, "fetch").mockImplementation(async () => {
    throw new Error("global fetch must not be called");
  });
});
afterEach(() => {
  expect(globalFetch).not.toHaveBeenCalled();
  vi.restoreAllMocks();
});

type Route = (url: string, init?: RequestInit) => Response | Promise<Response>;

/** A fake upstream: every call is recorded by URL, answered by `route`. */
function upstream(route: Route) {
  const calls: string[] = [];
  const fetcher = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url;
    calls.push(url);
    return route(url, init);
  }) as unknown as typeof fetch;
  return { fetcher, calls };
}

const image = () => new Response(png, { headers: { "content-type": "image/png" } });

async function refused(url: string, opts: { purpose?: "customer" | "product"; route?: Route; timeoutMs?: number; allowLoopback?: boolean } = {}) {
  const up = upstream(opts.route ?? (() => image()));
  try {
    await safeFetchImage(url, {
      purpose: opts.purpose ?? "customer",
      allowLoopback: opts.allowLoopback ?? false,
      fetcher: up.fetcher,
      timeoutMs: opts.timeoutMs,
    });
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { err, calls: up.calls };
  }
  throw new Error(`expected ${url} to be refused`);
}

// [url, the words the message must contain]
const BLOCKED_UPFRONT: Array<[string, string]> = [
  ["http://127.0.0.1/a.jpg", "loopback"],
  ["http://localhost/a.jpg", "loopback"],
  ["http://localhost./a.jpg", "loopback"], // one trailing dot (the DNS root)
  ["http://localhost../a.jpg", "loopback"], // every trailing dot is stripped, not just one
  ["http://shop.localhost.../a.jpg", "loopback"],
  ["http://printer.local../a.jpg", "*.local"],
  ["http://fileserver../a.jpg", "single-label"],
  ["http://images..example.com/a.jpg", "empty label"],
  ["http://.example.com/a.jpg", "empty label"],
  ["http://shop.localhost/a.jpg", "loopback"],
  ["http://2130706433/a.jpg", "loopback"], // decimal 127.0.0.1
  ["http://0x7f000001/a.jpg", "loopback"], // hex
  ["http://0177.0.0.01/a.jpg", "loopback"], // octal
  ["http://127.1/a.jpg", "loopback"], // short form
  ["http://0.0.0.0/a.jpg", "unspecified"],
  ["http://10.1.2.3/a.jpg", "private (10.0.0.0/8)"],
  ["http://172.16.5.4/a.jpg", "private (172.16.0.0/12)"],
  ["http://192.168.0.10/a.jpg", "private (192.168.0.0/16)"],
  ["http://169.254.169.254/latest/meta-data/", "link-local/metadata"],
  ["http://0xa9fea9fe/latest/meta-data/", "link-local/metadata"],
  ["http://100.64.0.1/a.jpg", "carrier-grade NAT"],
  ["http://224.0.0.251/a.jpg", "multicast"],
  ["http://[::1]/a.jpg", "loopback"],
  ["http://[::ffff:127.0.0.1]/a.jpg", "loopback"], // IPv4-mapped IPv6
  ["http://[::ffff:169.254.169.254]/a.jpg", "link-local/metadata"],
  ["http://[fd12:3456::1]/a.jpg", "unique-local"],
  ["http://[fe80::1]/a.jpg", "link-local"],
  ["http://[ff02::1]/a.jpg", "multicast"],
  ["http://8.8.8.8/a.jpg", "IP-address hosts are not allowed"],
  ["http://printer.local/a.jpg", "*.local"],
  ["http://metadata.google.internal/computeMetadata/v1/", "*.internal"],
  ["http://nas.home.arpa/a.jpg", "*.home.arpa"],
  ["http://fileserver/a.jpg", "single-label"],
  ["http://127.0.0.1.nip.io/a.jpg", "wildcard DNS"],
  ["ftp://example.com/a.jpg", 'scheme "ftp"'],
  ["file:///etc/passwd", 'scheme "file"'],
  ["data:image/png;base64,iVBORw0KGgo=", 'scheme "data"'],
  ["javascript:alert(1)", 'scheme "javascript"'],
  ["http://user:secret@example.com/a.jpg", "credentials"],
  ["http://example.com:6379/a.jpg", "port 6379"],
  ["http://example.com:22/a.jpg", "port 22"],
  ["not a url", "not a valid absolute URL"],
];

describe("safeFetchImage: the SSRF table", () => {
  it.each(BLOCKED_UPFRONT)("%s is refused before any request (%s)", async (url, words) => {
    const { err, calls } = await refused(url);
    expect(err.code).toBe("CUSTOMER_IMAGE_FETCH_FAILED");
    expect(err.status).toBe(400);
    expect(err.message).toContain(words);
    expect(calls).toEqual([]);
  });

  it("product purpose maps to PRODUCT_IMAGE_FETCH_FAILED", async () => {
    const { err, calls } = await refused("http://10.0.0.1/x.png", { purpose: "product" });
    expect(err.code).toBe("PRODUCT_IMAGE_FETCH_FAILED");
    expect(calls).toEqual([]);
  });

  it.each([
    ["http://169.254.169.254/latest/meta-data/", "link-local/metadata"],
    ["http://[::1]:8080/admin", "loopback"],
    ["http://localhost/", "loopback"],
    ["file:///etc/passwd", "scheme"],
  ])("a redirect into %s is refused; only the public host was contacted", async (target, words) => {
    const { err, calls } = await refused("https://cdn.example.com/a.png", {
      route: (url) => (url.startsWith("https://cdn.example.com/") ? new Response(null, { status: 302, headers: { location: target } }) : image()),
    });
    expect(err.code).toBe("CUSTOMER_IMAGE_FETCH_FAILED");
    expect(err.message).toContain("redirect 1 refused");
    expect(err.message).toContain(words);
    expect(calls).toEqual(["https://cdn.example.com/a.png"]);
  });

  it("follows up to 3 redirects (relative ones too), refuses a 4th", async () => {
    const chain = upstream((url) => {
      const n = Number(new URL(url).searchParams.get("n") ?? "0");
      return n < 3 ? new Response(null, { status: 301, headers: { location: `/img?n=${n + 1}` } }) : image();
    });
    const ok = await safeFetchImage("https://cdn.example.com/img?n=0", { purpose: "product", allowLoopback: false, fetcher: chain.fetcher });
    expect(ok.info).toMatchObject({ format: "png", width: 300, height: 300 });
    expect(chain.calls).toHaveLength(4);

    const { err, calls } = await refused("https://cdn.example.com/img?n=-1", {
      route: (url) => {
        const n = Number(new URL(url).searchParams.get("n") ?? "0");
        return n < 3 ? new Response(null, { status: 302, headers: { location: `/img?n=${n + 1}` } }) : image();
      },
    });
    expect(err.message).toContain("more than 3 redirects");
    expect(calls).toHaveLength(4);
  });

  it("over 10 MB by Content-Length, and by streaming without one", async () => {
    const declared = await refused("https://cdn.example.com/big.png", {
      route: () => new Response(png, { headers: { "content-length": String(20 * 1024 * 1024) } }),
    });
    expect(declared.err.message).toContain("larger than 10 MB");
    let pulled = 0;
    const streamed = await refused("https://cdn.example.com/big.png", {
      route: () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull(c) {
              pulled++;
              if (pulled > 40) return c.close();
              c.enqueue(new Uint8Array(1024 * 1024));
            },
          }),
        ),
    });
    expect(streamed.err.message).toContain("larger than 10 MB");
    expect(pulled).toBeLessThan(20);
  });

  it("timeout: an upstream that never answers is abandoned", async () => {
    const { err } = await refused("https://slow.example.com/a.png", {
      timeoutMs: 50,
      route: (_url, init) =>
        new Promise<Response>((_, reject) => {
          init?.signal?.addEventListener("abort", () => reject(new Error("aborted")));
        }),
    });
    expect(err.code).toBe("CUSTOMER_IMAGE_FETCH_FAILED");
    expect(err.message).toContain("no complete answer");
  });

  it("non-2xx, network errors and non-images name their rule", async () => {
    expect((await refused("https://cdn.example.com/a.png", { route: () => new Response("nope", { status: 404 }) })).err.message).toContain("HTTP 404");
    expect(
      (
        await refused("https://cdn.example.com/a.png", {
          route: () => {
            throw new TypeError("connection refused");
          },
        })
      ).err.message,
    ).toContain("request failed");
    const html = await refused("https://cdn.example.com/a.png", {
      route: () => new Response("<!doctype html><html><body>not an image</body></html>", { headers: { "content-type": "image/png" } }),
    });
    expect(html.err.message).toContain("UNSUPPORTED_IMAGE_TYPE");
    const tiny = await refused("https://cdn.example.com/a.png", { route: async () => new Response(await makePng(100, 100)) });
    expect(tiny.err.message).toContain("IMAGE_DIMENSIONS_OUT_OF_RANGE");
  });

  it("the dev-only loopback setting lets local fixtures through, and only loopback", async () => {
    const up = upstream(() => image());
    const got = await safeFetchImage("http://localhost:8788/fixture.png", { purpose: "customer", allowLoopback: true, fetcher: up.fetcher });
    expect(got.info.format).toBe("png");
    expect(up.calls).toEqual(["http://localhost:8788/fixture.png"]);
    const { calls } = await refused("http://10.0.0.1/a.png", { allowLoopback: true });
    expect(calls).toEqual([]);
  });
});

describe("checkUrlSafety (shared with webhooks)", () => {
  it("https-only when asked, public names pass", () => {
    expect(checkUrlSafety("https://hooks.example.com/x", { allowLoopback: false, allowedSchemes: ["https:"] }).ok).toBe(true);
    const r = checkUrlSafety("http://hooks.example.com/x", { allowLoopback: false, allowedSchemes: ["https:"] });
    expect(r).toEqual({ ok: false, reason: expect.stringContaining("scheme") });
    expect(checkUrlSafety("http://localhost:3000/hook", { allowLoopback: true }).ok).toBe(true);
  });

  it("trailing dots never hide a blocked name, and empty labels are refused (webhook destinations too)", () => {
    const https = { allowLoopback: false, allowedSchemes: ["https:"] } as const;
    expect(checkUrlSafety("https://localhost../hook", https)).toEqual({ ok: false, reason: expect.stringContaining("loopback") });
    expect(checkUrlSafety("https://metadata.google.internal.../x", https)).toEqual({ ok: false, reason: expect.stringContaining("*.internal") });
    expect(checkUrlSafety("https://hooks..example.com/x", https)).toEqual({ ok: false, reason: expect.stringContaining("empty label") });
    // A public name with its DNS-root dot is still a public name.
    expect(checkUrlSafety("https://hooks.example.com./x", https).ok).toBe(true);
  });
});

describe("isLoopbackHost: the one loopback check (image fetches and webhook URLs)", () => {
  it("names and literals of this machine, whatever their case and trailing dots", () => {
    for (const host of ["localhost", "LOCALHOST.", "api.localhost", "127.0.0.1", "127.8.9.10", "[::1]", "[0:0:0:0:0:0:0:1]"]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ["localhost.example.com", "mylocalhost", "10.0.0.1", "[::2]", "example.com", "128.0.0.1"]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});
