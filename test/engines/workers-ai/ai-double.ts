/**
 * A double of the Workers AI binding for FLUX.2. It PARSES each request's
 * multipart body (Request.formData()) and checks it against the documented
 * format (docs/engines.md cites the pages): a known model id, a prompt,
 * input_image_0..3 that are JPEG/PNG images of at most 512×512, width/height
 * integers in 256–1920 and multiples of 16, `steps` only for flux-2-dev, an
 * integer seed, nothing else. A request that breaks the format throws
 * "5004: Invalid data" (as the platform would) and is recorded as a violation.
 * Otherwise `respond` decides: an image by default, or a thrown error.
 */
import { WORKERS_AI_MODEL_IDS } from "../../../src/config";
import type { AiBinding } from "../../../src/engines";
import { base64Encode } from "../../../src/lib/base64";
import { tryReadImageHeader } from "../../../src/lib/image-header";
import { jpeg, makeRgba } from "../../helpers/engine-images";

export interface AiCall {
  model: string;
  prompt: string;
  width: number;
  height: number;
  seed: number | null;
  steps: number | null;
  images: Array<{ field: string; contentType: string; width: number; height: number; bytes: Uint8Array }>;
  signal: AbortSignal | undefined;
}

export type Respond = (call: AiCall) => unknown | Promise<unknown>;

const ALLOWED = new Set(["prompt", "width", "height", "seed", "steps", "input_image_0", "input_image_1", "input_image_2", "input_image_3"]);

function int(v: File | string | null): number | null {
  if (typeof v !== "string" || !/^-?\d+$/.test(v)) return null;
  return Number(v);
}

async function parse(model: unknown, inputs: unknown, options: unknown): Promise<{ call?: AiCall; problems: string[] }> {
  const problems: string[] = [];
  if (typeof model !== "string" || !(WORKERS_AI_MODEL_IDS as readonly string[]).includes(model)) problems.push(`unknown model ${String(model)}`);
  const mp = (inputs as { multipart?: { body?: BodyInit; contentType?: string } } | null)?.multipart;
  if (!mp?.body || !mp.contentType?.startsWith("multipart/form-data; boundary=")) return { problems: [...problems, "no multipart body/contentType"] };
  const form = await new Request("https://ai.invalid/run", { method: "POST", body: mp.body, headers: { "content-type": mp.contentType } }).formData();
  for (const key of form.keys()) if (!ALLOWED.has(key)) problems.push(`unknown field ${key}`);
  const prompt = form.get("prompt");
  if (typeof prompt !== "string" || prompt.trim() === "") problems.push("prompt missing");
  const width = int(form.get("width"));
  const height = int(form.get("height"));
  for (const [name, v] of [
    ["width", width],
    ["height", height],
  ] as const) {
    if (v === null || v < 256 || v > 1920 || v % 16 !== 0) problems.push(`${name} ${String(v)} not a multiple of 16 in 256–1920`);
  }
  const seedRaw = form.get("seed");
  const seed = seedRaw === null ? null : int(seedRaw);
  if (seedRaw !== null && seed === null) problems.push("seed not an integer");
  const stepsRaw = form.get("steps");
  const steps = stepsRaw === null ? null : int(stepsRaw);
  const isDev = model === "@cf/black-forest-labs/flux-2-dev";
  if (isDev && (steps === null || steps < 1)) problems.push("flux-2-dev without integer steps");
  if (!isDev && stepsRaw !== null) problems.push("steps sent to a klein model (fixed at 4)");
  const images: AiCall["images"] = [];
  for (let k = 0; k < 4; k++) {
    const part = form.get(`input_image_${k}`);
    if (part === null) break;
    if (typeof part === "string") {
      problems.push(`input_image_${k} is text`);
      continue;
    }
    const bytes = new Uint8Array(await part.arrayBuffer());
    const h = tryReadImageHeader(bytes);
    if (!h || (h.format !== "jpeg" && h.format !== "png")) problems.push(`input_image_${k} is not a JPEG/PNG`);
    else if (h.width > 512 || h.height > 512) problems.push(`input_image_${k} is ${h.width}×${h.height} (> 512×512)`);
    images.push({ field: `input_image_${k}`, contentType: part.type, width: h?.width ?? 0, height: h?.height ?? 0, bytes });
  }
  if (images.length === 0) problems.push("no input_image_0");
  if ([...form.keys()].filter((k) => k.startsWith("input_image_")).length !== images.length) problems.push("input images not numbered 0.. contiguously");
  const signal = (options as { signal?: AbortSignal } | undefined)?.signal;
  return {
    problems,
    call: { model: String(model), prompt: String(prompt ?? ""), width: width ?? 0, height: height ?? 0, seed, steps, images, signal },
  };
}

/** An image the double answers with: a JPEG of the requested size (base64, as the model's output schema says). */
export async function imageAnswer(call: AiCall): Promise<{ image: string; bytes: Uint8Array }> {
  const bytes = await jpeg(
    makeRgba(call.width, call.height, (x, y) => [200, (x * 3) % 256, (y * 5) % 256]),
    80,
  );
  return { image: base64Encode(bytes), bytes };
}

export function aiDouble(respond?: Respond) {
  const calls: AiCall[] = [];
  const violations: string[] = [];
  /** Bytes of every image the double answered with, in order. */
  const answered: Uint8Array[] = [];
  const run = async (model: unknown, inputs: unknown, options?: unknown): Promise<unknown> => {
    const { call, problems } = await parse(model, inputs, options);
    if (problems.length > 0 || !call) {
      violations.push(...problems);
      throw new Error(`5004: Invalid data (${problems.join("; ")})`);
    }
    calls.push(call);
    if (respond) return respond(call);
    const { image, bytes } = await imageAnswer(call);
    answered.push(bytes);
    return { image };
  };
  // The one cast: the double implements the overloaded `run` by its documented multipart form only.
  const ai = { run } as unknown as AiBinding;
  return { ai, calls, violations, answered };
}
