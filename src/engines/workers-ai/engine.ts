/**
 * The "workers-ai" engine: FLUX.2 through the Workers AI binding (`env.AI`).
 *
 *   inputs  → person + up to 3 garment images, each upright and ≤ 512×512 (inputs.ts)
 *   request → multipart form exactly as documented: prompt, input_image_0..3, width,
 *             height, seed, steps (flux-2-dev only) → env.AI.run(model, { multipart })
 *   output  → { image: base64 } → decoded, format sniffed from its header → completed,
 *             with the run's cost from the pricing table (cost.ts)
 *
 * One synchronous call (no upstream job to poll), bounded by a local timeout so a
 * hung call becomes a typed `retry`. Errors map through errors.ts. Never logs
 * image bytes or prompt text.
 */
import type { EnginePricing, TilePrice, WorkersAiModel } from "../../config";
import { WORKERS_AI_DEFAULT_MODE, WORKERS_AI_LIMITS, WORKERS_AI_MODELS } from "../../config";
import type { RuntimeErrorCode } from "../../errors";
import { base64Decode } from "../../lib/base64";
import { tryReadImageHeader } from "../../lib/image-header";
import { log } from "../../lib/logger";
import type { Shrinker } from "../composite";
import type { Engine, EngineCost, EngineInput, EngineResult } from "../types";
import { workersAiCost } from "./cost";
import { cleanUpstreamText, mapWorkersAiError, NEEDS_ACCOUNT_MESSAGE } from "./errors";
import { EngineFailure, type PreparedImage, prepareInput } from "./inputs";
import { buildTryOnPrompt } from "./prompt";
import { outputSize } from "./size";

/** The part of the Workers AI binding this engine uses (the real `env.AI`, or a test double). */
export type AiBinding = Pick<Ai, "run">;

export interface WorkersAiEngineOptions {
  /** `env.AI`; absent when the Worker has no AI binding. */
  ai: AiBinding | undefined;
  pricing: EnginePricing["workersAi"];
  /** Bound on one `AI.run` call. */
  timeoutMs: number;
  /** Decode cap of the in-isolate path (COMPOSITE_MAX_INPUT_PIXELS). */
  maxInputPixels: number;
  /** The Images binding's downscaler, when bound. */
  shrink?: Shrinker;
}

/** Which model a mode runs (null → balanced). */
export function workersAiModelFor(mode: EngineInput["mode"]): WorkersAiModel {
  return WORKERS_AI_MODELS[mode ?? WORKERS_AI_DEFAULT_MODE];
}

/** The documented request body: a multipart form (serialised by Response, which sets the boundary). */
export function buildWorkersAiForm(args: {
  prompt: string;
  images: readonly PreparedImage[];
  width: number;
  height: number;
  seed: number | null;
  steps: number | null;
}): FormData {
  const form = new FormData();
  form.append("prompt", args.prompt);
  args.images.forEach((img, i) => {
    const ext = img.contentType === "image/png" ? "png" : "jpg";
    form.append(`input_image_${i}`, new Blob([img.bytes], { type: img.contentType }), `${i === 0 ? "person" : `garment-${i}`}.${ext}`);
  });
  form.append("width", String(args.width));
  form.append("height", String(args.height));
  if (args.seed !== null) form.append("seed", String(args.seed));
  if (args.steps !== null) form.append("steps", String(args.steps));
  return form;
}

class LocalTimeout extends Error {}

function failed(code: RuntimeErrorCode, message: string, cost?: EngineCost): EngineResult {
  return { kind: "failed", code, message, ...(cost ? { cost } : {}) };
}

export function createWorkersAiEngine(opts: WorkersAiEngineOptions): Engine {
  async function prepare(input: EngineInput): Promise<PreparedImage[] | EngineResult> {
    const limits = { maxInputPixels: opts.maxInputPixels, shrink: opts.shrink ?? null };
    const side = WORKERS_AI_LIMITS.maxInputSide;
    const garments = input.productImages.slice(0, WORKERS_AI_LIMITS.maxInputImages - 1);
    if (garments.length === 0) return failed("GARMENT_NOT_DETECTED", "The product has no image to take the garment from.");
    try {
      const person = await prepareInput(input.person, "person", side, limits);
      const rest: PreparedImage[] = [];
      for (const g of garments) rest.push(await prepareInput(g, "garment", side, limits));
      return [person, ...rest];
    } catch (err) {
      // The decode gate is shared with composite; its messages name the engine that runs it.
      if (err instanceof EngineFailure) return failed(err.code, err.message.replaceAll("the composite engine", "the workers-ai engine"));
      throw err;
    }
  }

  /** AI.run bounded by the timeout: the signal asks the binding to abort, the race guarantees we stop waiting. */
  async function runBounded(model: WorkersAiModel, form: FormData): Promise<unknown> {
    const serialised = new Response(form);
    const contentType = serialised.headers.get("content-type") ?? "multipart/form-data";
    const body = serialised.body ?? new Uint8Array(await serialised.arrayBuffer());
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new LocalTimeout());
      }, opts.timeoutMs);
    });
    try {
      const ai = opts.ai;
      if (!ai) throw new Error("no AI binding");
      return await Promise.race([ai.run(model.id, { multipart: { body, contentType } }, { signal: controller.signal }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  function readOutput(out: unknown, cost: EngineCost, model: WorkersAiModel): EngineResult {
    const image = out !== null && typeof out === "object" && "image" in out ? (out as { image: unknown }).image : undefined;
    // The model ran (and bills) even when its answer is unusable: the failure carries the cost.
    const unusable = (why: string) => {
      log("error", "workers-ai returned an unusable result", { model: model.id, why });
      return failed("ENGINE_UNAVAILABLE", `Workers AI returned ${why}; the engine is not producing results. Retry later or use another engine.`, cost);
    };
    if (typeof image !== "string" || image.trim() === "") return unusable("no image");
    let bytes: Uint8Array;
    try {
      bytes = base64Decode(image.replace(/^data:[^,]*,/, "").trim());
    } catch {
      return unusable("an image that is not valid base64");
    }
    const header = tryReadImageHeader(bytes);
    if (!header || header.format === "heic") return unusable("data that is not a readable JPEG, PNG or WebP image");
    const { format, width, height } = header;
    return { kind: "completed", bytes: bytes.subarray(0, header.end), contentType: `image/${format}`, format, width, height, cost };
  }

  return {
    name: "workers-ai",
    async run(input: EngineInput): Promise<EngineResult> {
      if (!opts.ai) {
        log("error", "workers-ai engine selected but the Worker has no AI binding", { generationId: input.generationId });
        return failed("ENGINE_UNAVAILABLE", NEEDS_ACCOUNT_MESSAGE);
      }
      const model = workersAiModelFor(input.mode);
      const price: TilePrice = opts.pricing[model.id];
      const prepared = await prepare(input);
      if (!Array.isArray(prepared)) return prepared;
      const shown =
        input.person.orientation !== null && input.person.orientation >= 5
          ? { w: input.person.height, h: input.person.width }
          : { w: input.person.width, h: input.person.height };
      const size = outputSize(shown.w, shown.h);
      const prompt = buildTryOnPrompt({
        title: input.productTitle,
        description: input.productDescription ?? null,
        category: input.category,
        classifications: input.productImages.slice(0, prepared.length - 1).map((g) => g.classifications),
        garmentImages: prepared.length - 1,
      });
      const form = buildWorkersAiForm({ prompt, images: prepared, width: size.width, height: size.height, seed: input.seed, steps: model.steps });
      const cost = workersAiCost(model, price, prepared, size);
      let out: unknown;
      try {
        out = await runBounded(model, form);
      } catch (err) {
        if (err instanceof LocalTimeout) {
          return { kind: "retry", message: `Workers AI (${model.id}) did not answer within ${Math.round(opts.timeoutMs / 1000)} s.` };
        }
        const mapped = mapWorkersAiError(err);
        if (mapped.kind === "retry") return mapped;
        if (mapped.operator) {
          log("error", "workers-ai engine unavailable (operator action needed)", {
            generationId: input.generationId,
            model: model.id,
            upstream: cleanUpstreamText(err instanceof Error ? err.message : String(err)),
          });
        }
        return failed(mapped.code, mapped.message);
      }
      return readOutput(out, cost, model);
    },
  };
}
