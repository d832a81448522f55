import { describe, expect, it } from "vitest";
import { createFashnEngine, type FetchLike, fashnPollDelaySeconds, parseRetryAfter } from "../../../src/engines/fashn/engine";
import { FASHN_ERROR_TABLE } from "../../../src/engines/fashn/errors";
import type { EngineInput } from "../../../src/engines/types";
import { engineImage, engineInput, jpeg, makeRgba, personPattern } from "../../helpers/engine-images";

const BASE = "https://fashn.test";
const KEY = "fa-secret-key-0123456789";
const CDN = "https://cdn.fashn.test/outputs/job_1/0.jpg";

interface Seen {
  method: string;
  url: string;
  auth: string | null;
  body: unknown;
}

type Handler = (req: Seen) => Response | Promise<Response>;

/** A fake FASHN upstream: routes by method + path; records every request. */
function fakeFashn(routes: { run?: Handler; status?: Handler; cdn?: Handler }) {
  const seen: Seen[] = [];
  const fetch: FetchLike = async (url, init = {}) => {
    const headers = new Headers(init.headers);
    const req: Seen = {
      method: init.method ?? "GET",
      url,
      auth: headers.get("authorization"),
      body: typeof init.body === "string" ? JSON.parse(init.body) : null,
    };
    seen.push(req);
    if (req.method === "POST" && url === `${BASE}/v1/run` && routes.run) return routes.run(req);
    if (req.method === "GET" && url.startsWith(`${BASE}/v1/status/`) && routes.status) return routes.status(req);
    if (req.method === "GET" && url.startsWith("https://cdn.fashn.test/") && routes.cdn) return routes.cdn(req);
    return new Response("not found", { status: 404 });
  };
  return { fetch, seen, engine: createFashnEngine({ baseUrl: `${BASE}/`, apiKey: KEY, fetch }) };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

function tryOn(over: Partial<EngineInput> = {}): EngineInput {
  return engineInput({
    person: { ...engineImage(new Uint8Array([0xff, 0xd8, 0xff, 1]), "jpeg", 864, 1296), crop: null, url: "https://drape.test/files/p.jpg?exp=1&sig=abc" },
    productImages: [{ ...engineImage(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2]), "png", 600, 800), classifications: null }],
    category: "tops",
    mode: "quality",
    seed: 42,
    ...over,
  });
}

const poll = (over: Partial<EngineInput> = {}) => tryOn({ jobId: "job_1", pollCount: 1, ...over });
const failedWith = (error: unknown) => ({ status: () => json({ id: "job_1", status: "failed", output: null, error }) });

describe("fashn engine: success path", () => {
  it("submits, polls while running, then downloads the output", async () => {
    const result = await jpeg(makeRgba(96, 128, personPattern(96, 128)));
    let state = "processing";
    const up = fakeFashn({
      run: () => json({ id: "job_1", error: null }),
      status: () => json({ id: "job_1", status: state, output: state === "completed" ? [CDN] : null, error: null }),
      cdn: () => new Response(result, { headers: { "content-type": "image/jpeg" } }),
    });

    expect(await up.engine.run(tryOn())).toEqual({ kind: "pending", jobId: "job_1", pollAfterSeconds: 8 });
    const submit = up.seen[0]!;
    expect(submit.method).toBe("POST");
    expect(submit.url).toBe(`${BASE}/v1/run`);
    expect(submit.auth).toBe(`Bearer ${KEY}`);
    expect(submit.body).toEqual({
      model_name: "tryon-v1.6",
      inputs: {
        model_image: "https://drape.test/files/p.jpg?exp=1&sig=abc", // signed URL when intake has one
        garment_image: `data:image/png;base64,${btoa(String.fromCharCode(0x89, 0x50, 0x4e, 0x47, 1, 2))}`, // else a data URI
        category: "tops",
        mode: "quality",
        seed: 42,
      },
    });

    expect(await up.engine.run(poll())).toEqual({ kind: "pending", jobId: "job_1", pollAfterSeconds: 2 });
    expect(up.seen[1]).toMatchObject({ method: "GET", url: `${BASE}/v1/status/job_1`, auth: `Bearer ${KEY}` });

    state = "completed";
    const done = await up.engine.run(poll({ pollCount: 2 }));
    expect(done).toMatchObject({ kind: "completed", contentType: "image/jpeg", format: "jpeg", width: 96, height: 128 });
    if (done.kind === "completed") expect(done.bytes).toEqual(result);
    const cdnCall = up.seen.at(-1)!;
    expect(cdnCall.url).toBe(CDN);
    expect(cdnCall.auth).toBeNull(); // the key never goes to the CDN
  });

  it("omits mode and seed when the request has none", async () => {
    const up = fakeFashn({ run: () => json({ id: "job_2", error: null }) });
    expect(await up.engine.run(tryOn({ mode: null, seed: null, category: "auto" }))).toMatchObject({ kind: "pending", pollAfterSeconds: 5 });
    const inputs = (up.seen[0]!.body as { inputs: Record<string, unknown> }).inputs;
    expect(inputs.category).toBe("auto");
    expect("mode" in inputs).toBe(false);
    expect("seed" in inputs).toBe(false);
  });

  it("poll delay policy: first wait by mode, then 2 s, 3 s, 5 s", () => {
    expect([
      fashnPollDelaySeconds(0, "performance"),
      fashnPollDelaySeconds(0, "balanced"),
      fashnPollDelaySeconds(0, null),
      fashnPollDelaySeconds(0, "quality"),
    ]).toEqual([3, 5, 5, 8]);
    expect([1, 3, 4, 9, 10, 50].map((n) => fashnPollDelaySeconds(n, null))).toEqual([2, 2, 3, 3, 5, 5]);
  });
});

describe("fashn engine: runtime error names, one by one", () => {
  // Expected outcomes written out here (not read from the source table) so a changed mapping fails.
  const cases: Array<{ name: string; message: string; expected: { kind: "failed"; code: string } | { kind: "retry" } }> = [
    { name: "ImageLoadError", message: "Failed to load garment_image: 403 Forbidden", expected: { kind: "failed", code: "PRODUCT_IMAGE_FETCH_FAILED" } },
    { name: "ImageLoadError", message: "Could not load model image from URL", expected: { kind: "failed", code: "CUSTOMER_IMAGE_FETCH_FAILED" } },
    { name: "ImageLoadError", message: "Error loading image", expected: { kind: "failed", code: "PRODUCT_IMAGE_FETCH_FAILED" } },
    { name: "ContentModerationError", message: "Prohibited content", expected: { kind: "failed", code: "NSFW_CONTENT_BLOCKED" } },
    { name: "NSFWError", message: "NSFW content detected", expected: { kind: "failed", code: "NSFW_CONTENT_BLOCKED" } },
    { name: "PoseError", message: "Could not detect body pose", expected: { kind: "failed", code: "MODEL_POSE_UNSUPPORTED" } },
    { name: "PhotoTypeError", message: "Could not determine garment photo type", expected: { kind: "failed", code: "IMAGE_PROCESSING_FAILED" } },
    { name: "InputValidationError", message: "Invalid input", expected: { kind: "failed", code: "IMAGE_PROCESSING_FAILED" } },
    { name: "PipelineError", message: "Unexpected pipeline error", expected: { kind: "failed", code: "GENERATION_FAILED" } },
    { name: "ThirdPartyError", message: "Third-party service failed", expected: { kind: "failed", code: "GENERATION_FAILED" } },
    { name: "UnavailableError", message: "Service temporarily unavailable", expected: { kind: "retry" } },
    { name: "BrandNewError", message: "Something FASHN adds later", expected: { kind: "failed", code: "GENERATION_FAILED" } },
  ];

  it("covers every name in the mapping table", () => {
    const tested = new Set(cases.map((c) => c.name));
    for (const name of Object.keys(FASHN_ERROR_TABLE)) expect(tested.has(name), name).toBe(true);
  });

  for (const c of cases) {
    it(`${c.name} (${c.message}) → ${"code" in c.expected ? c.expected.code : "retry"}`, async () => {
      const up = fakeFashn(failedWith({ name: c.name, message: c.message }));
      const r = await up.engine.run(poll());
      expect(r).toMatchObject(c.expected);
      if (r.kind === "failed") expect(r.message).toContain(c.name);
    });
  }

  it("a runtime error returned by the submit call is mapped the same way", async () => {
    const up = fakeFashn({ run: () => json({ id: null, error: { name: "NSFWError", message: "NSFW" } }) });
    expect(await up.engine.run(tryOn())).toMatchObject({ kind: "failed", code: "NSFW_CONTENT_BLOCKED" });
  });

  it("upstream messages lose URLs (signed query strings) before reaching the client", async () => {
    const up = fakeFashn(failedWith({ name: "ImageLoadError", message: "Failed to load model image https://drape.test/files/p.jpg?exp=1&sig=secret" }));
    const r = await up.engine.run(poll());
    expect(r).toMatchObject({ kind: "failed", code: "CUSTOMER_IMAGE_FETCH_FAILED" });
    if (r.kind === "failed") {
      expect(r.message).not.toContain("sig=");
      expect(r.message).toContain("<url>");
    }
  });
});

describe("fashn engine: HTTP and network failures", () => {
  it("429 and 5xx → retry, honouring Retry-After (seconds and HTTP date), on submit and on status", async () => {
    const r429 = fakeFashn({ run: () => json({ error: "RateLimitExceeded", message: "slow down" }, 429, { "Retry-After": "7" }) });
    expect(await r429.engine.run(tryOn())).toMatchObject({ kind: "retry", retryAfterSeconds: 7 });

    const concurrency = fakeFashn({ status: () => json({ error: "ConcurrencyLimitExceeded", message: "wait" }, 429, { "Retry-After": "3" }) });
    expect(await concurrency.engine.run(poll())).toMatchObject({ kind: "retry", retryAfterSeconds: 3 });

    const when = new Date(Date.now() + 30_000).toUTCString();
    const r503 = fakeFashn({ status: () => json({ error: "Unavailable" }, 503, { "Retry-After": when }) });
    const r = await r503.engine.run(poll());
    expect(r.kind).toBe("retry");
    if (r.kind === "retry") {
      expect(r.retryAfterSeconds).toBeGreaterThanOrEqual(28);
      expect(r.retryAfterSeconds).toBeLessThanOrEqual(31);
    }

    const r500 = fakeFashn({ run: () => json({ error: "InternalServerError", message: "boom" }, 500) });
    const plain = await r500.engine.run(tryOn());
    expect(plain.kind).toBe("retry");
    expect(plain).not.toHaveProperty("retryAfterSeconds");

    const r502 = fakeFashn({ status: () => new Response("<html>bad gateway</html>", { status: 502 }) });
    expect(await r502.engine.run(poll())).toMatchObject({ kind: "retry" });
  });

  it("429 OutOfCredits is not transient: ENGINE_UNAVAILABLE", async () => {
    const up = fakeFashn({ run: () => json({ error: "OutOfCredits", message: "No credits" }, 429) });
    expect(await up.engine.run(tryOn())).toMatchObject({ kind: "failed", code: "ENGINE_UNAVAILABLE" });
  });

  it("network errors and timeouts → retry", async () => {
    const boom = fakeFashn({
      run: () => {
        throw new TypeError("fetch failed");
      },
    });
    expect(await boom.engine.run(tryOn())).toMatchObject({ kind: "retry", message: expect.stringMatching(/network/) });

    const slow = fakeFashn({
      status: () => {
        throw new DOMException("The operation timed out.", "TimeoutError");
      },
    });
    expect(await slow.engine.run(poll())).toMatchObject({ kind: "retry", message: expect.stringMatching(/in time/) });
  });

  it("401/403 → ENGINE_UNAVAILABLE about configuration, never echoing the key", async () => {
    for (const status of [401, 403]) {
      const up = fakeFashn({ run: () => json({ error: "UnauthorizedAccess", message: `Invalid token ${KEY}` }, status) });
      const r = await up.engine.run(tryOn());
      expect(r).toMatchObject({ kind: "failed", code: "ENGINE_UNAVAILABLE", message: expect.stringMatching(/FASHN_API_KEY/) });
      expect(JSON.stringify(r)).not.toContain(KEY);
    }
  });

  it("400 BadRequest → IMAGE_PROCESSING_FAILED when an image is blamed, else GENERATION_FAILED", async () => {
    const img = fakeFashn({ run: () => json({ error: "BadRequest", message: "garment_image must be a URL or base64 string" }, 400) });
    expect(await img.engine.run(tryOn())).toMatchObject({ kind: "failed", code: "IMAGE_PROCESSING_FAILED" });
    const other = fakeFashn({ run: () => json({ error: "BadRequest", message: "Invalid request format" }, 400) });
    expect(await other.engine.run(tryOn())).toMatchObject({ kind: "failed", code: "GENERATION_FAILED" });
  });

  it("an unknown job on status (404) → GENERATION_FAILED", async () => {
    const up = fakeFashn({ status: () => json({ error: "NotFound", message: "Prediction not found" }, 404) });
    expect(await up.engine.run(poll())).toMatchObject({ kind: "failed", code: "GENERATION_FAILED" });
  });

  it("output download: 5xx/network → retry; 404 or not an image → GENERATION_FAILED", async () => {
    const completed = () => json({ id: "job_1", status: "completed", output: [CDN], error: null });
    const cdn500 = fakeFashn({ status: completed, cdn: () => new Response("err", { status: 500 }) });
    expect(await cdn500.engine.run(poll())).toMatchObject({ kind: "retry" });
    const cdnDown = fakeFashn({
      status: completed,
      cdn: () => {
        throw new TypeError("network");
      },
    });
    expect(await cdnDown.engine.run(poll())).toMatchObject({ kind: "retry" });
    const cdn404 = fakeFashn({ status: completed, cdn: () => new Response("gone", { status: 404 }) });
    expect(await cdn404.engine.run(poll())).toMatchObject({ kind: "failed", code: "GENERATION_FAILED" });
    const notImage = fakeFashn({ status: completed, cdn: () => new Response("<html></html>") });
    expect(await notImage.engine.run(poll())).toMatchObject({ kind: "failed", code: "GENERATION_FAILED" });
  });

  it("Retry-After parsing clamps and ignores junk", () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter("12")).toBe(12);
    expect(parseRetryAfter("999999")).toBe(3600);
    expect(parseRetryAfter(new Date(0).toUTCString())).toBe(0);
  });
});

describe("fashn engine: cost", () => {
  it("a completed job reports creditsUsed × the configured price per credit (1 credit assumed when FASHN omits it)", async () => {
    const result = await jpeg(makeRgba(96, 128, personPattern(96, 128)));
    let credits: number | undefined = 2;
    const up = fakeFashn({
      status: () => json({ id: "job_1", status: "completed", output: [CDN], error: null, ...(credits === undefined ? {} : { creditsUsed: credits }) }),
      cdn: () => new Response(result),
    });
    const price = { usdPerCredit: 0.075, source: "https://fashn.ai/pricing", readAt: "read in test" };
    const engine = createFashnEngine({ baseUrl: BASE, apiKey: KEY, fetch: up.fetch, price });
    const done = await engine.run(poll());
    expect(done.kind === "completed" && done.cost).toEqual({ usdMicros: 150_000, basis: expect.stringContaining("2 credits used × $0.075") });
    credits = undefined;
    const assumed = await engine.run(poll());
    expect(assumed.kind === "completed" && assumed.cost).toEqual({ usdMicros: 75_000, basis: expect.stringContaining("1 credit assumed") });
    // Without a price (a caller that does not configure one), no cost is claimed.
    const unpriced = await up.engine.run(poll());
    expect(unpriced.kind === "completed" && "cost" in unpriced).toBe(false);
  });
});
