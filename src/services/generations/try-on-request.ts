import { ApiError } from "../../errors";
import { resolveAlias } from "../../lib/aliases";
import type { KeepForDays } from "../../lib/retention-days";
import type { TestDirective } from "../../lib/test-directive";
import type { TryOnCategory, TryOnMode } from "../../lib/try-on-options";
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
  category: TryOnCategory;
  mode: TryOnMode | null;
  seed: number | null;
  /** Test mode's forced outcome and delay (refused on a live key). */
  test: TestDirective | null;
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

/** Resolves the Genlook field aliases (docs/try-on.md) into one request, by the one alias rule (`resolveAlias`). */
export function normalizeTryOnRequest(body: TryOnRequestBody): TryOnRequest {
  const listed = body.products?.[0];
  const product = resolveAlias<ProductInput>(listed, body.product, { alias: "product", current: "products.0" });
  if (!product) {
    throw new ApiError("VALIDATION_FAILED", "A try-on needs a product: `products: [ {…} ]`.", {
      details: [{ path: "products", message: "Required" }],
    });
  }

  const current = sourceOf(body.person?.image?.source);
  const flat = sourceOf(body.customer);
  const nested = sourceOf(body.customer?.source);
  const legacy = resolveAlias(nested, flat, { alias: "customer", current: "customer.source" });
  const source = resolveAlias(current, legacy, { alias: legacy === flat ? "customer" : "customer.source", current: "person.image.source" });
  if (!source) {
    throw new ApiError("CUSTOMER_IMAGE_REQUIRED", "A try-on needs a person image: `person.image.source` with one of id, url or fileKey.");
  }
  const person = toPersonSource(source, current ? "person.image.source" : "customer");

  return {
    product,
    person,
    externalUserId: resolveAlias(body.externalUserId, body.customerId, { alias: "customerId", current: "externalUserId" }),
    watermark: resolveAlias(body.output?.watermark, body.useWatermark, { alias: "useWatermark", current: "output.watermark" }),
    keepForDays: resolveAlias(body.output?.keepForDays, body.retentionDays, { alias: "retentionDays", current: "output.keepForDays" }),
    webhookUrl: resolveAlias(body.webhookUrl, body.webhook_url, { alias: "webhook_url", current: "webhookUrl" }),
    category: body.category ?? "auto",
    mode: body.mode ?? null,
    seed: body.seed ?? null,
    test: body.test ?? null,
  };
}

/** True when the product entry is a bare reference (`{externalId}` and nothing else). */
export function isBareReference(p: ProductInput): p is ProductInput & { externalId: string } {
  if (p.externalId === undefined) return false;
  return Object.entries(p).every(([k, v]) => k === "externalId" || v === undefined);
}
