import type { ServiceContext } from "../../context";
import { findGeneration, type GenerationRow } from "../../db/repo/generations";
import { ApiError, type ErrorCode } from "../../errors";
import { livemodeOf } from "../../lib/modes";
import { signedFileUrl } from "../../lib/signing";
import { toIso } from "../../lib/time";
import type { GenerationView } from "../../schemas/generations";

/**
 * The one presenter of a generation: GET /generations/:id, lists, sync replies
 * and webhook payloads all use it, so they cannot drift apart. The result URL
 * is signed afresh on every call.
 */
export async function presentGeneration(ctx: ServiceContext, row: GenerationRow): Promise<GenerationView> {
  let resultImageUrl: string | null = null;
  if (row.status === "COMPLETED" && row.resultR2Key) {
    const signed = await signedFileUrl(ctx.env.FILE_SIGNING_SECRET, row.resultR2Key, ctx.config.FILE_URL_TTL_SECONDS, ctx.now());
    resultImageUrl = `${ctx.baseUrl}${signed.url}`;
  }
  return {
    generationId: row.id,
    livemode: livemodeOf(row.accountId),
    status: row.status,
    productExternalId: row.productExternalId,
    externalUserId: row.externalUserId,
    resultImageUrl,
    resultExpiresAt: toIso(row.resultExpiresAt),
    errorCode: (row.errorCode as ErrorCode | null) ?? null,
    errorMessage: row.errorMessage,
    retryable: row.retryable,
    engine: row.engine,
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
    completedAt: toIso(row.completedAt),
    durationMs: row.durationMs,
  };
}

/** Loads and presents one generation of `accountId`, or GENERATION_NOT_FOUND. */
export async function loadGenerationView(ctx: ServiceContext, accountId: string, generationId: string): Promise<GenerationView> {
  const row = await findGeneration(ctx.db, accountId, generationId);
  if (!row) throw new ApiError("GENERATION_NOT_FOUND", `No generation ${generationId} on this account.`);
  return presentGeneration(ctx, row);
}
