import { now } from "./clock";

/**
 * Structured JSON logs, one object per line. Callers pass ids and numbers only:
 * never keys, secrets, image bytes or personal data (docs/privacy.md).
 */
type Level = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export function log(level: Level, msg: string, fields: LogFields = {}): void {
  const line = JSON.stringify({ level, msg, time: new Date(now()).toISOString(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** A short, safe description of an unknown thrown value (name + message, no stack). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 500);
  return String(err).slice(0, 500);
}
