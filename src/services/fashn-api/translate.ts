import type { GenerationCompat } from "../../db/repo/generations";
import { ApiError, type ErrorDetail } from "../../errors";
import { base64Decode } from "../../lib/base64";
import { IMAGE_MAX_BYTES } from "../../lib/image-intake";
import type { FilePart } from "../../lib/multipart-form";
import { FASHN_MODEL_NAMES, type FashnTryOnInputs, FashnTryOnInputsSchema } from "../../schemas/fashn";
import { type TryOnRequestBody, TryOnRequestSchema } from "../../schemas/tryon";

/** A FASHN `/v1/run` request, as the Drape try-on it becomes. */
export interface TranslatedRun {
  body: TryOnRequestBody;
  /** The decoded base64 inputs, by the `fileKey` the body names them with. */
  files: Map<string, FilePart> | null;
  compat: GenerationCompat;
}

const DATA_URI = /^data:(image\/[a-z0-9.+-]+);base64,(.*)$/is;
/** A base64 text longer than this cannot decode to an image Drape accepts (10 MB). */
const MAX_BASE64_CHARS = Math.ceil(IMAGE_MAX_BYTES / 3) * 4 + 4;

function invalid(message: string, details: ErrorDetail[]): ApiError {
  return new ApiError("VALIDATION_FAILED", message, { details });
}

/**
 * FASHN's body → a one-shot Drape try-on. `tryon-v1.6` is the model; a body
 * without `model_name` is FASHN's older flat v1.5 shape (the inputs at the top
 * level). URL inputs become `source.url`; base64 data URIs become file parts,
 * exactly as a multipart try-on sends bytes. Every check the try-on makes
 * (image type, size, fetch, credits) then runs unchanged.
 */
export function translateRun(raw: unknown, webhookUrl: string | undefined): TranslatedRun {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw invalid("The body must be a JSON object.", [{ path: "", message: "not an object" }]);
  const record = raw as Record<string, unknown>;
  const modelName = record.model_name;
  if (modelName !== undefined && !(FASHN_MODEL_NAMES as readonly unknown[]).includes(modelName)) {
    throw invalid(`model_name ${JSON.stringify(modelName)} is not served here; use "tryon-v1.6".`, [
      { path: "model_name", message: "only tryon-v1.6 (or tryon-v1.5) is served" },
    ]);
  }
  const inputsRaw = modelName === undefined && record.inputs === undefined ? record : record.inputs;
  const parsed = FashnTryOnInputsSchema.safeParse(inputsRaw);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ path: ["inputs", ...i.path.map(String)].join("."), message: i.message }));
    throw invalid(`Invalid inputs: ${details.map((d) => `${d.path} ${d.message}`).join("; ")}.`, details);
  }
  const inputs: FashnTryOnInputs = parsed.data;
  if ((inputs.num_samples ?? 1) > 1) {
    throw invalid("num_samples above 1 is not available: each run makes one image (send one run per sample).", [
      { path: "inputs.num_samples", message: "must be 1" },
    ]);
  }

  const files = new Map<string, FilePart>();
  const source = (value: string, key: "model_image" | "garment_image"): { url: string } | { fileKey: string } => {
    const m = DATA_URI.exec(value);
    if (!m) return { url: value };
    const text = m[2] ?? "";
    if (text.length > MAX_BASE64_CHARS) throw new ApiError("FILE_TOO_LARGE", `inputs.${key} decodes to more than 10 MB.`);
    let bytes: Uint8Array;
    try {
      bytes = base64Decode(text);
    } catch {
      throw invalid(`inputs.${key} is not valid base64.`, [{ path: `inputs.${key}`, message: "not valid base64" }]);
    }
    files.set(key, { filename: key, type: m[1] ?? "", bytes });
    return { fileKey: key };
  };

  const body: TryOnRequestBody = {
    products: [{ images: [{ source: source(inputs.garment_image, "garment_image") }] }],
    person: { image: { source: source(inputs.model_image, "model_image") } },
  };
  if (inputs.category !== undefined) body.category = inputs.category;
  if (inputs.mode !== undefined) body.mode = inputs.mode;
  if (inputs.seed !== undefined) body.seed = inputs.seed;
  if (webhookUrl !== undefined && webhookUrl !== "") body.webhookUrl = webhookUrl;
  // The try-on's own schema checks what the translation produced (URL forms, the webhook URL).
  const checked = TryOnRequestSchema.safeParse(body);
  if (!checked.success) {
    const details = checked.error.issues.map((i) => ({ path: fashnPathOf(i.path.map(String).join(".")), message: i.message }));
    throw invalid(`Invalid request: ${details.map((d) => `${d.path} ${d.message}`).join("; ")}.`, details);
  }
  return { body: checked.data, files: files.size > 0 ? files : null, compat: { api: "fashn", returnBase64: inputs.return_base64 ?? false } };
}

/** The FASHN name of a field of the translated try-on, so an error names what the client sent. */
function fashnPathOf(path: string): string {
  if (path.startsWith("person.")) return "inputs.model_image";
  if (path.startsWith("products.")) return "inputs.garment_image";
  if (path === "webhookUrl") return "webhook_url";
  return path;
}
