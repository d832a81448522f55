import type { Context } from "hono";
import type { z } from "zod";
import { LOGO_LIMITS } from "../lib/image-intake";
import type { DashEnv } from "./env";

/** Dashboard forms are small: 64 KB is far above any of them and caps what a hostile post costs. */
export const FORM_MAX_BYTES = 64 * 1024;

/** The playground's form carries two photos: up to the API's 10 MB each, plus the small fields. */
export const UPLOAD_FORM_MAX_BYTES = 2 * 10 * 1024 * 1024 + FORM_MAX_BYTES;

/** The logo form reads at most this much: a file somewhat over the logo limit still gets its field error, not a bare 413. */
export const LOGO_FORM_MAX_BYTES = 4 * LOGO_LIMITS.maxBytes;

export type FormRead = { ok: true; fields: Record<string, string>; files: Record<string, File> } | { ok: false; status: 413 | 415 | 400 };

async function readCapped(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array | null> {
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * Reads a posted form once: urlencoded or multipart, at most `max` bytes, first value of each
 * field and first non-empty file of each file field. Anything else is refused with a status, never thrown.
 */
export async function readForm(c: Context<DashEnv>, max: number = FORM_MAX_BYTES): Promise<FormRead> {
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  const urlencoded = type.startsWith("application/x-www-form-urlencoded");
  if (!urlencoded && !type.startsWith("multipart/form-data")) return { ok: false, status: 415 };
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > max) return { ok: false, status: 413 };
  const bytes = await readCapped(c.req.raw.body, max);
  if (!bytes) return { ok: false, status: 413 };
  const fields: Record<string, string> = {};
  const files: Record<string, File> = {};
  try {
    const entries = urlencoded
      ? new URLSearchParams(new TextDecoder().decode(bytes)).entries()
      : (await new Response(bytes, { headers: { "content-type": type } }).formData()).entries();
    for (const [name, value] of entries) {
      if (typeof value === "string") fields[name] ??= value;
      // A file input left empty still sends a part: no name, no bytes.
      else if (value.size > 0) files[name] ??= value;
    }
  } catch {
    return { ok: false, status: 400 };
  }
  return { ok: true, fields, files };
}

/** What a form page re-renders after a refusal: the values typed (never a password) and a message per field. */
export interface FormState {
  values: Record<string, string>;
  errors: Record<string, string>;
}

export const emptyForm = (values: Record<string, string> = {}): FormState => ({ values, errors: {} });

/** Zod issues as one message per top-level field (the first issue wins). */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "form");
    out[key] ??= issue.message;
  }
  return out;
}

/** An optional whole-number field: "" is absent; anything else is parsed (a bad value stays a string for zod to refuse). */
export function optionalInt(raw: string | undefined): number | string | undefined {
  const v = (raw ?? "").trim();
  if (v === "") return undefined;
  return /^-?\d{1,15}$/.test(v) ? Number(v) : v;
}
