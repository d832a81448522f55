/**
 * THE try-on prompt of the `workers-ai` engine. FLUX.2 edits by instruction:
 * the first input image is the person, the others show the garment, and the
 * prompt says what to keep and what to change. Product text is customer data
 * going into a model prompt, so it is flattened to one line, stripped of
 * control and markup characters, and bounded; it describes the garment and is
 * never in a position to replace the instructions.
 *
 * Bump PROMPT_VERSION whenever the wording changes (results are not comparable across versions);
 * test/engines/workers-ai/prompt.test.ts pins the structure.
 */
import type { TryOnCategory } from "../../lib/try-on-options";

export const PROMPT_VERSION = "wai-tryon-2";

export const PROMPT_LIMITS = { title: 120, description: 400, classification: 60, classifications: 8 } as const;

export interface PromptProduct {
  title: string | null;
  description: string | null;
  category: TryOnCategory;
  /** Classifications of the product images (e.g. {"garmentType":"shirt","color":"red"}), merged in image order. */
  classifications: ReadonlyArray<Record<string, unknown> | null>;
  /** How many garment images follow the person image (1–3). */
  garmentImages: number;
}

const CATEGORY_TEXT: Record<TryOnCategory, string> = {
  auto: "the garment",
  tops: "the top (upper-body garment)",
  bottoms: "the bottoms (lower-body garment)",
  "one-pieces": "the one-piece garment (dress, jumpsuit or overall)",
};

/** One line of plain text: control characters, markup brackets and runs of whitespace removed, cut at `max` characters. */
export function sanitizePromptText(value: unknown, max: number): string {
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") return "";
  const text = String(value)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ")
    .replace(/[<>{}[\]`\\]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

/** "key: value" pairs of the classifications (scalars only), deduplicated, bounded in count and length. */
function classificationText(list: PromptProduct["classifications"]): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const entry of list) {
    if (!entry) continue;
    for (const [key, raw] of Object.entries(entry)) {
      const k = sanitizePromptText(key, 30);
      const v = sanitizePromptText(raw, PROMPT_LIMITS.classification);
      if (!k || !v || seen.has(k)) continue;
      seen.add(k);
      parts.push(`${k}: ${v}`);
      if (parts.length >= PROMPT_LIMITS.classifications) return parts.join("; ");
    }
  }
  return parts.join("; ");
}

/** The prompt's sections in order: task, keep, garment, product (when any), output. */
export function buildTryOnPrompt(p: PromptProduct): string {
  const garment = CATEGORY_TEXT[p.category];
  const images = p.garmentImages > 1 ? `images 2 to ${p.garmentImages + 1}` : "image 2";
  const show = p.garmentImages > 1 ? "show" : "shows";
  const sections: string[] = [
    `Task: virtual try-on. Image 1 is a photo of a person. ${cap(images)} ${show} ${garment} of a product.`,
    "Keep: the same person, face, identity, skin tone, hair, body shape, pose, camera framing, lighting and background as image 1.",
    `Change: dress the person of image 1 in ${garment} from ${images}, replacing what they wear there; keep the garment's exact colour, pattern, fabric, logos and cut, fitted naturally to the body with realistic folds and shadows.`,
  ];
  const product = [
    ["Title", sanitizePromptText(p.title, PROMPT_LIMITS.title)],
    ["Description", sanitizePromptText(p.description, PROMPT_LIMITS.description)],
    ["Attributes", classificationText(p.classifications)],
  ]
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}: ${v}`);
  if (product.length > 0) sections.push(`Product: ${product.join(". ")}.`);
  sections.push("Output: one photorealistic photo of the person from image 1 wearing the product; no text, no watermark, no extra people.");
  return sections.join("\n");
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
