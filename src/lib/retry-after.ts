/**
 * Reads an HTTP `Retry-After` value, delay-seconds or an HTTP date (counted
 * from `now`), and clamps it to what the caller can honour. null when the
 * header is absent or unreadable.
 */
export function readRetryAfter(value: string | null, now: number, bounds: { min: number; max: number }): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  let seconds: number;
  if (/^\d+$/.test(trimmed)) seconds = Number(trimmed);
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return null;
    seconds = Math.ceil((at - now) / 1000);
  }
  return Math.min(bounds.max, Math.max(bounds.min, seconds));
}
