import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { getConfig } from "../../../src/config/config";
import { createEngine } from "../../../src/engines/registry";
import type { EngineInput } from "../../../src/engines/types";
import { WORKERS_AI_ERROR_TABLE } from "../../../src/engines/workers-ai";
import * as logger from "../../../src/lib/logger";
import { jpeg, makeRgba, personPattern } from "../../helpers/engine-images";
import { aiDouble } from "./ai-double";

let personCache: Uint8Array | undefined;
async function input(): Promise<EngineInput> {
  personCache ??= await jpeg(makeRgba(300, 400, personPattern(300, 400)));
  const img = { bytes: personCache, format: "jpeg" as const, width: 300, height: 400, orientation: null };
  return {
    generationId: "gen_err",
    person: { ...img, crop: null },
    productImages: [{ ...img, classifications: null }],
    productTitle: "Shirt",
    category: "tops",
    mode: null,
    seed: null,
    jobId: null,
    pollCount: 0,
  };
}

/** The engine's answer when the binding throws `message`. */
async function answerTo(message: string) {
  const double = aiDouble(() => {
    throw new Error(message);
  });
  const result = await createEngine("workers-ai", { config: getConfig(env), ai: double.ai }).run(await input());
  expect(double.violations).toEqual([]);
  return result;
}

describe("workers-ai error mapping (platform/errors table)", () => {
  const expected: Record<number, "retry" | string> = {
    3040: "retry",
    3036: "retry",
    3007: "retry",
    3008: "retry",
    5004: "IMAGE_PROCESSING_FAILED",
    3003: "IMAGE_PROCESSING_FAILED",
    3006: "IMAGE_PROCESSING_FAILED",
    3023: "ENGINE_UNAVAILABLE",
    5007: "ENGINE_UNAVAILABLE",
    3042: "ENGINE_UNAVAILABLE",
    5016: "ENGINE_UNAVAILABLE",
    5018: "ENGINE_UNAVAILABLE",
    3041: "ENGINE_UNAVAILABLE",
    5019: "ENGINE_UNAVAILABLE",
  };

  it("the table is the one documented here, row for row", () => {
    expect(Object.fromEntries(Object.entries(WORKERS_AI_ERROR_TABLE).map(([k, v]) => [k, v.outcome]))).toEqual(
      Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, v])),
    );
  });

  for (const [code, outcome] of Object.entries(expected)) {
    it(`${code} → ${outcome}`, async () => {
      const row = WORKERS_AI_ERROR_TABLE[Number(code)];
      const r = await answerTo(`AiError: ${code}: ${row?.name}`);
      if (outcome === "retry") expect(r).toMatchObject({ kind: "retry", message: expect.stringContaining(code) });
      else expect(r).toMatchObject({ kind: "failed", code: outcome, message: expect.stringContaining(code) });
    });
  }

  it("account/model problems log an operator error naming the model, never the prompt or image bytes", async () => {
    const spy = vi.spyOn(logger, "log");
    await answerTo("3023: Account blocked (see https://dash.cloudflare.com/x?token=secret)");
    const line = spy.mock.calls.find((c) => c[1].includes("operator action"));
    expect(line?.[0]).toBe("error");
    expect(line?.[2]).toMatchObject({ generationId: "gen_err", model: "@cf/black-forest-labs/flux-2-klein-9b" });
    const text = JSON.stringify(line);
    expect(text).not.toContain("token=secret");
    expect(text).not.toContain("Shirt");
    spy.mockRestore();
  });

  it("content moderation → NSFW_CONTENT_BLOCKED", async () => {
    for (const m of ["NSFW content detected", "Input image was flagged by content moderation", "3030: safety filter triggered"]) {
      expect(await answerTo(m)).toMatchObject({ kind: "failed", code: "NSFW_CONTENT_BLOCKED" });
    }
  });

  it("HTTP-level rate limiting and unknown errors are transient (retry)", async () => {
    expect(await answerTo("429 Too Many Requests")).toMatchObject({ kind: "retry" });
    expect(await answerTo("InferenceUpstreamError: something odd")).toMatchObject({ kind: "retry" });
  });

  it("an authentication / remote-session error → ENGINE_UNAVAILABLE saying what Workers AI needs", async () => {
    const r = await answerTo("Binding AI needs to be run remotely");
    expect(r).toMatchObject({ kind: "failed", code: "ENGINE_UNAVAILABLE", message: expect.stringContaining("Cloudflare account") });
  });
});
