import { describe, expect, it } from "vitest";
import { base64Encode } from "../../src/lib/base64";
import { FASHN_ERROR_NAMES } from "../../src/services/fashn-api";
import { call, createAccount, env, type TestAccount } from "../helpers/harness";
import {
  counts,
  fetchThroughWorker,
  fundedAccount,
  garmentPng,
  genRow,
  personJpeg,
  registerProduct,
  runConsumer,
  tryOn,
  uploadPerson,
  usePipelineQueues,
} from "../helpers/pipeline";
import { expectLedgerBalances } from "../services/credits/helpers";

const queue = usePipelineQueues();

/** A FASHN SDK call: the Drape key as the bearer token, FASHN's paths. */
function fashn(acct: Pick<TestAccount, "key">, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${acct.key}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return call(`/v1${path}`, { ...init, headers, body, method: init.method ?? (init.json !== undefined ? "POST" : "GET") });
}

async function inputs() {
  return {
    model_image: `data:image/jpeg;base64,${base64Encode(await personJpeg())}`,
    garment_image: `data:image/png;base64,${base64Encode(await garmentPng())}`,
  };
}

async function runToEnd(id: string) {
  await runConsumer([{ body: queue.messages.find((m) => m.generationId === id) }]);
}

async function expectFashnError(res: Response, status: number, error: string) {
  expect(res.status, await res.clone().text()).toBe(status);
  const body = (await res.json()) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(["error", "message"]);
  expect(body.error).toBe(error);
  return body as { error: string; message: string };
}

describe("FASHN facade: /v1/run → /v1/status", () => {
  it("base64 inputs run the try-on pipeline: in_queue, then completed with the signed output; one credit", async () => {
    const acct = await fundedAccount(2);
    const res = await fashn(acct, "/run", { json: { model_name: "tryon-v1.6", inputs: { ...(await inputs()), category: "tops", mode: "quality", seed: 7 } } });
    expect(res.status).toBe(200);
    const { id, error } = (await res.json()) as { id: string; error: null };
    expect(error).toBeNull();
    const row = await genRow(id);
    expect(row).toMatchObject({ status: "PENDING", category: "tops", mode: "quality", seed: 7, credit_state: "reserved" });

    expect(await (await fashn(acct, `/status/${id}`)).json()).toEqual({ id, status: "in_queue", output: null, error: null });
    await runToEnd(id);
    const done = (await (await fashn(acct, `/status/${id}`)).json()) as { status: string; output: string[]; error: null };
    expect(done).toMatchObject({ id, status: "completed", error: null });
    expect((await fetchThroughWorker(done.output[0] as string)).status).toBe(200);
    expect(await (await fashn(acct, "/credits")).json()).toEqual({ credits: { total: 1, subscription: 0, on_demand: 1 } });
    await expectLedgerBalances(acct.accountId);
  });

  it("the flat v1.5 body (no model_name) is accepted; return_base64 answers a data URI", async () => {
    const acct = await fundedAccount(1);
    const res = await fashn(acct, "/run", { json: { ...(await inputs()), return_base64: true } });
    const { id } = (await res.json()) as { id: string };
    await runToEnd(id);
    const done = (await (await fashn(acct, `/status/${id}`)).json()) as { output: string[] };
    expect(done.output[0]).toMatch(/^data:image\/(jpeg|png);base64,[A-Za-z0-9+/]+=*$/);
  });

  it("a failed generation is status failed with FASHN's error name; the credit is refunded", async () => {
    const acct = await fundedAccount(1);
    // A product titled mock:<CODE> forces a typed failure; the facade reads any generation of the account.
    await registerProduct(acct, "pose", "mock:MODEL_POSE_UNSUPPORTED");
    const imageId = await uploadPerson(acct);
    const accepted = (await (await tryOn(acct, { products: [{ externalId: "pose" }], person: { image: { source: { id: imageId } } } })).json()) as {
      generationId: string;
    };
    await runToEnd(accepted.generationId);
    expect(await (await fashn(acct, `/status/${accepted.generationId}`)).json()).toEqual({
      id: accepted.generationId,
      status: "failed",
      output: null,
      error: { name: "PoseError", message: expect.any(String) },
    });
    expect((await genRow(accepted.generationId)).credit_state).toBe("refunded");
    expect(FASHN_ERROR_NAMES.PRODUCT_IMAGE_FETCH_FAILED).toBe("ImageLoadError");
    expect(FASHN_ERROR_NAMES.NSFW_CONTENT_BLOCKED).toBe("ContentModerationError");
  });

  it("an Idempotency-Key replays the first answer: one generation, one credit", async () => {
    const acct = await fundedAccount(3);
    const body = { model_name: "tryon-v1.6", inputs: await inputs() };
    const first = await fashn(acct, "/run", { json: body, headers: { "idempotency-key": "fashn-run-1" } });
    const second = await fashn(acct, "/run", { json: body, headers: { "idempotency-key": "fashn-run-1" } });
    expect(await second.json()).toEqual(await first.json());
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect((await counts(acct.accountId)).generations).toBe(1);
  });

  it("webhook_url is the per-request callback, and its stored payload is the FASHN status object", async () => {
    const acct = await fundedAccount(1);
    const res = await fashn(acct, `/run?webhook_url=${encodeURIComponent("https://hooks.example.com/fashn")}`, {
      json: { model_name: "tryon-v1.6", inputs: await inputs() },
    });
    const { id } = (await res.json()) as { id: string };
    expect((await genRow(id)).webhook_url).toBe("https://hooks.example.com/fashn");
    await runToEnd(id);
    const row = await env.DB.prepare("SELECT url, payload FROM webhook_deliveries WHERE generation_id = ? AND endpoint_id IS NULL").bind(id).first<{
      url: string;
      payload: string;
    }>();
    expect(row?.url).toBe("https://hooks.example.com/fashn");
    expect(JSON.parse(row?.payload ?? "{}")).toEqual({ id, status: "completed", output: [expect.stringMatching(/^https?:\/\//)], error: null });
  });
});

describe("FASHN facade: refusals in FASHN's format, nothing charged or stored", () => {
  it("bad bodies are 400 BadRequest naming the FASHN field", async () => {
    const acct = await fundedAccount(2);
    const before = await counts(acct.accountId);
    const ok = await inputs();
    const cases: Array<[unknown, RegExp]> = [
      [{ model_name: "product-to-model", inputs: ok }, /model_name/],
      [{ model_name: "tryon-v1.6", inputs: { ...ok, garment_image: "ftp://x/y.png" } }, /inputs\.garment_image/],
      [{ model_name: "tryon-v1.6", inputs: { ...ok, model_image: "data:image/jpeg;base64,@@@" } }, /inputs\.model_image/],
      [{ model_name: "tryon-v1.6", inputs: { ...ok, num_samples: 2 } }, /num_samples/],
      [{ model_name: "tryon-v1.6", inputs: { ...ok, category: "shoes" } }, /inputs\.category/],
      [
        { model_name: "tryon-v1.6", inputs: { ...ok, model_image: `data:image/jpeg;base64,${base64Encode(new TextEncoder().encode("not an image"))}` } },
        /^Part "model_image".*\[(UNSUPPORTED_IMAGE_TYPE|INVALID_IMAGE)\]$/,
      ],
    ];
    for (const [json, pattern] of cases) {
      const body = await expectFashnError(await fashn(acct, "/run", { json }), 400, "BadRequest");
      expect(body.message, JSON.stringify(json).slice(0, 80)).toMatch(pattern);
    }
    await expectFashnError(
      await fashn(acct, "/run", { method: "POST", body: "{not json", headers: { "content-type": "application/json" } }),
      400,
      "BadRequest",
    );
    expect(await counts(acct.accountId)).toEqual(before);
    expect(queue.messages).toHaveLength(0);
  });

  it("401 UnauthorizedAccess without or with a wrong key; 404 NotFound for another account's or an unknown id", async () => {
    await expectFashnError(await call("/v1/credits"), 401, "UnauthorizedAccess");
    // An unknown path or method under /v1 is NotFound in FASHN's format, before any key check.
    await expectFashnError(await call("/v1/models"), 404, "NotFound");
    await expectFashnError(await call("/v1/run", { method: "PATCH" }), 404, "NotFound");
    await expectFashnError(await fashn({ key: "dr_live_wrongwrongwrongwrongwrongwrong" }, "/credits"), 401, "UnauthorizedAccess");
    const owner = await fundedAccount(1);
    const { id } = (await (await fashn(owner, "/run", { json: { model_name: "tryon-v1.6", inputs: await inputs() } })).json()) as { id: string };
    const other = await createAccount();
    await expectFashnError(await fashn(other, `/status/${id}`), 404, "NotFound");
    await expectFashnError(await fashn(owner, "/status/gen_unknown"), 404, "NotFound");
  });

  it("no credits: 429 OutOfCredits with x-should-retry: false (FASHN's SDK retries every other 429)", async () => {
    const acct = await createAccount();
    const res = await fashn(acct, "/run", { json: { model_name: "tryon-v1.6", inputs: await inputs() } });
    expect(res.headers.get("x-should-retry")).toBe("false");
    const body = await expectFashnError(res, 429, "OutOfCredits");
    expect(body.message).toContain("INSUFFICIENT_CREDITS");
    expect((await counts(acct.accountId)).generations).toBe(0);
  });

  it("over the rate limit: 429 RateLimitExceeded with Retry-After", async () => {
    const acct = await createAccount({ key: { rateLimitPerMinute: 1, rateLimitBurst: 1 } });
    expect((await fashn(acct, "/credits")).status).toBe(200);
    const res = await fashn(acct, "/credits");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(res.headers.get("x-should-retry")).toBeNull();
    await expectFashnError(res, 429, "RateLimitExceeded");
  });
});
