import { WORKERS_AI_LIMITS } from "../../config";

/**
 * Output size for a person photo shown at `width`×`height`: the same aspect
 * ratio, as large as fits ~1 MP, each side a multiple of 16 within 256–1920
 * (an extreme aspect is clamped to that range, so it is approximated).
 */
export function outputSize(width: number, height: number): { width: number; height: number } {
  const { maxOutputPixels, minOutputSide, maxOutputSide, outputSideMultiple: m } = WORKERS_AI_LIMITS;
  const aspect = Math.max(1, width) / Math.max(1, height);
  const h = Math.sqrt(maxOutputPixels / aspect);
  const toSide = (side: number) => Math.min(maxOutputSide, Math.max(minOutputSide, Math.floor(side / m) * m));
  return { width: toSide(h * aspect), height: toSide(h) };
}

/** Pricing tiles of an image: ceil(w/512) × ceil(h/512). */
export function tiles(width: number, height: number): number {
  const t = WORKERS_AI_LIMITS.tileSide;
  return Math.ceil(width / t) * Math.ceil(height / t);
}
