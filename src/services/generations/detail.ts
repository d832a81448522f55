import type { ServiceContext } from "../../context";
import type { EngineAttempt } from "../../db/repo/generations";
import { ApiError } from "../../errors";
import type { GenerationView } from "../../schemas/generations";
import { getImage, signedImageUrl } from "../images";
import { findAcceptedGeneration } from "./outbox";
import { parseProductSnapshot } from "./product-snapshot";
import { presentGeneration } from "./view";

/** A thumbnail of the generation's detail: a fresh signed URL, or null once the image is purged. */
export interface DetailImage {
  label: string;
  url: string | null;
}

/**
 * What the dashboard's generation page shows beyond the API's view: the person and garment
 * images through fresh signed URLs (null when purged), the result, and when each step happened.
 */
export interface GenerationDetail {
  view: GenerationView;
  person: DetailImage;
  garments: DetailImage[];
  result: DetailImage;
  productTitle: string | null;
  startedAt: number | null;
  attempts: number;
  webhookUrl: string | null;
  /** Every engine tried, in order, with what each reported it cost upstream (operators see the costs). */
  engineAttempts: EngineAttempt[];
  /** Their summed upstream cost in millionths of a dollar; null when no engine reported one. */
  costUsdMicros: number | null;
}

async function imageUrl(ctx: ServiceContext, accountId: string, imageId: string | null): Promise<string | null> {
  if (!imageId) return null;
  try {
    return signedImageUrl(ctx, await getImage(ctx, accountId, imageId)).url;
  } catch (err) {
    if (err instanceof ApiError && err.code === "IMAGE_NOT_FOUND") return null;
    throw err;
  }
}

/** One generation of `accountId` with its images, or GENERATION_NOT_FOUND. */
export async function loadGenerationDetail(ctx: ServiceContext, accountId: string, generationId: string): Promise<GenerationDetail> {
  const row = generationId.length <= 64 ? await findAcceptedGeneration(ctx, accountId, generationId) : undefined;
  if (!row) throw new ApiError("GENERATION_NOT_FOUND", `No generation ${generationId.slice(0, 64)} on this account.`);
  let snapshot: ReturnType<typeof parseProductSnapshot> | null = null;
  try {
    snapshot = parseProductSnapshot(row.productSnapshot);
  } catch {
    snapshot = null; // a corrupt snapshot fails the run; the page still shows the rest
  }
  const images = [...(snapshot?.images ?? [])].sort((a, b) => a.order - b.order);
  const [view, person, garments] = await Promise.all([
    presentGeneration(ctx, row),
    imageUrl(ctx, accountId, row.personImageId),
    Promise.all(images.map((img) => imageUrl(ctx, accountId, img.imageId))),
  ]);
  return {
    view,
    person: { label: "Person", url: person },
    garments: garments.map((url, i) => ({ label: `Garment ${i + 1}`, url })),
    result: { label: "Result", url: view.resultImageUrl ?? null },
    productTitle: snapshot?.title ?? null,
    startedAt: row.startedAt,
    attempts: row.attempts,
    webhookUrl: row.webhookUrl,
    engineAttempts: row.engineAttempts ?? [],
    costUsdMicros: row.costUsdMicros,
  };
}
