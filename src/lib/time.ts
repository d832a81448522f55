/** Timestamps on the wire are ISO 8601 UTC; in D1 they are epoch milliseconds. */
export function toIso(ms: number): string;
export function toIso(ms: number | null | undefined): string | null;
export function toIso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The one liveness rule of stored things (images, products): alive until `expiresAt`; null = kept forever. */
export function isLive(row: { expiresAt: number | null }, now: number): boolean {
  return row.expiresAt === null || row.expiresAt > now;
}
