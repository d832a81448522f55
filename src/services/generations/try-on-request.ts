import { ApiError } from "../../errors";
import type { KeepForDays } from "../../lib/retention-days";
import type { ProductInput } from "../../schemas/products";
import type { TryOnRequestBody } from "../../schemas/tryon";

export type PersonSource = { id: string } | { url: string } | { fileKey: string };

/** One try-on request, whichever shape and aliases it arrived in. */
export interface TryOnRequest {
  product: ProductInput;
  person: PersonSource;
  externalUserId: string | null;
  watermark: boolean | null;
  keepForDays: KeepForDays | null;
  webhookUrl: string | null;
  category: "auto" | "tops" | "bottoms" | "one-pieces";
  mode: "performance" | "balanced" | "quality" | null;
  seed: number | null;
}

/** JSON with sorted keys, so `{a,b}` and `{b,a}` compare equal. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stable(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

function conflict(path: string, alias: string, replacement: string): ApiError {
  return new ApiError("VALIDATION_FAILED", `\`${alias}\` (deprecated) and \`${replacement}\` were both sent with different values; send one.`, {
    details: [{ path, message: `conflicts with ${replacement}` }],
  });
}

/** The value of a (replacement, alias) pair; both given and different → VALIDATION_FAILED at the alias path. */
function pick<T>(current: T | null | undefined, alias: T | null | undefined, aliasPath: string, replacementPath: string): T | null {
  const a = current ?? null;
  const b = alias ?? null;
  if (a !== null && b !== null && stable(a) !== stable(b)) throw conflict(aliasPath, aliasPath, replacementPath);
  return a ?? b;
}

type RawSource = { id?: string | undefined; url?: string | undefined; fileKey?: string | undefined };

function sourceOf(raw: RawSource | undefined): RawSource | null {
  if (!raw) return null;
  const s: RawSource = {};
  if (raw.id !== undefined) s.id = raw.id;
  if (raw.url !== undefined) s.url = raw.url;
  if (raw.fileKey !== undefined) s.fileKey = raw.fileKey;
  return Object.keys(s).length > 0 ? s : null;
}

function toPersonSource(s: RawSource, path: string): PersonSource {
  const given = (["id", "url", "fileKey"] as const).filter((k) => s[k] !== undefined);
  if (given.length !== 1) {
    throw new ApiError("INVALID_IMAGE_INPUT", `The person image source must have exactly one of id, url or fileKey (got ${given.join(", ")}).`, {
      details: [{ path, message: "exactly one of id, url, fileKey" }],
    });
  }
  if (s.id !== undefined) return { id: s.id };
  if (s.url !== undefined) return { url: s.url };
  return { fileKey: s.fileKey as string };
}

/**
 * Resolves the Genlook field aliases (docs/try-on.md) into one request. Sending an alias and its
 * replacement is fine when they agree and VALIDATION_FAILED when they differ.
 */
export function normalizeTryOnRequest(body: TryOnRequestBody): TryOnRequest {
  const listed = body.products?.[0];
  const product = pick<ProductInput>(listed, body.product, "product", "products.0");
  if (!product) {
    throw new ApiError("VALIDATION_FAILED", "A try-on needs a product: `products: [ {…} ]`.", {
      details: [{ path: "products", message: "Required" }],
    });
  }

  const current = sourceOf(body.person?.image?.source);
  const flat = sourceOf(body.customer);
  const nested = sourceOf(body.customer?.source);
  const legacy = pick(nested, flat, "customer", "customer.source");
  const source = pick(current, legacy, legacy === flat ? "customer" : "customer.source", "person.image.source");
  if (!source) {
    throw new ApiError("CUSTOMER_IMAGE_REQUIRED", "A try-on needs a person image: `person.image.source` with one of id, url or fileKey.");
  }
  const person = toPersonSource(source, current ? "person.image.source" : "customer");

  return {
    product,
    person,
    externalUserId: pick(body.externalUserId, body.customerId, "customerId", "externalUserId"),
    watermark: pick(body.output?.watermark, body.useWatermark, "useWatermark", "output.watermark"),
    keepForDays: pick(body.output?.keepForDays, body.retentionDays, "retentionDays", "output.keepForDays"),
    webhookUrl: pick(body.webhookUrl, body.webhook_url, "webhook_url", "webhookUrl"),
    category: body.category ?? "auto",
    mode: body.mode ?? null,
    seed: body.seed ?? null,
  };
}

/** True when the product entry is a bare reference (`{externalId}` and nothing else). */
export function isBareReference(p: ProductInput): p is ProductInput & { externalId: string } {
  if (p.externalId === undefined) return false;
  return Object.entries(p).every(([k, v]) => k === "externalId" || v === undefined);
}
