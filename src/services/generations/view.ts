import type { ServiceContext } from "../../context";
import { type GenerationRow, generationExistsElsewhere } from "../../db/repo/generations";
import { ApiError, type ErrorCode } from "../../errors";
import { liveAccountIdOf, livemodeOf, testAccountIdOf } from "../../lib/modes";
import { toIso } from "../../lib/time";
import type { GenerationView } from "../../schemas/generations";
import { signedImageUrl } from "../images";
import { findAcceptedGeneration } from "./outbox";
import { cachedTerminalGeneration, rememberGeneration } from "./terminal-cache";

/**
 * The one presenter of a generation: GET /generations/:id, lists, sync replies
 * and webhook payloads all use it, so they cannot drift apart. The result URL
 * is signed afresh on every call.
 */
export function presentGeneration(ctx: ServiceContext, row: GenerationRow): GenerationView {
  const view: GenerationView = {
    generationId: row.id,
    livemode: livemodeOf(row.accountId),
    status: row.status,
    productExternalId: row.productExternalId,
    engine: row.engine,
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
  };
  // What does not apply is left out, never sent as null (docs/api-contract.md).
  if (row.externalUserId !== null) view.externalUserId = row.externalUserId;
  if (row.status === "COMPLETED") {
    if (row.resultR2Key) {
      view.resultImageUrl = signedImageUrl(ctx, { r2Key: row.resultR2Key }).url;
      if (row.resultExpiresAt !== null) view.resultExpiresAt = toIso(row.resultExpiresAt);
    }
    if (row.durationMs !== null) view.durationMs = row.durationMs;
  }
  if (row.status === "FAILED") {
    if (row.errorCode !== null) view.errorCode = row.errorCode as ErrorCode;
    view.errorMessage = row.errorMessage ?? "The generation failed.";
    if (row.retryable !== null) view.retryable = row.retryable;
  }
  // Only when more than one engine took part (a fall-through or a skip): a one-engine generation keeps Genlook's shape.
  if (row.engineAttempts && row.engineAttempts.length > 1) {
    view.engineAttempts = row.engineAttempts.map((a) => ({
      engine: a.engine,
      outcome: a.outcome,
      ...(a.code === undefined ? {} : { code: a.code as ErrorCode }),
      durationMs: a.durationMs,
    }));
  }
  if (row.completedAt !== null) view.completedAt = toIso(row.completedAt);
  return view;
}

/**
 * GENERATION_NOT_FOUND for an unknown id; FORBIDDEN for another account's
 * generation (Genlook's answer). Generation ids carry 16 random base62
 * characters, so telling the two apart reveals nothing a caller could guess.
 * The other mode of the caller's own account answers as if the generation did
 * not exist: test and live objects never acknowledge each other (docs/test-mode.md).
 */
export async function generationNotOwned(ctx: ServiceContext, accountId: string, generationId: string): Promise<ApiError> {
  const ownModes = [liveAccountIdOf(accountId), testAccountIdOf(accountId)];
  if (await generationExistsElsewhere(ctx.db, generationId, ownModes)) {
    return new ApiError("FORBIDDEN", `The generation ${generationId} belongs to another account.`);
  }
  return new ApiError("GENERATION_NOT_FOUND", `No generation ${generationId} on this account.`);
}

/**
 * Loads and presents one generation of `accountId`: GENERATION_NOT_FOUND, or FORBIDDEN when another
 * account owns it. `allowCached` lets a terminal generation come from this isolate's cache (the
 * polled GET route; docs/performance.md); webhook payloads never do, so a retry after an erase
 * always re-renders the erased view.
 */
export async function loadGenerationView(
  ctx: ServiceContext,
  accountId: string,
  generationId: string,
  opts: { allowCached?: boolean } = {},
): Promise<GenerationView> {
  const at = ctx.now();
  const cached = opts.allowCached ? cachedTerminalGeneration(accountId, generationId, at) : undefined;
  if (cached) return presentGeneration(ctx, cached);
  const row = await findAcceptedGeneration(ctx, accountId, generationId);
  if (!row) throw await generationNotOwned(ctx, accountId, generationId);
  rememberGeneration(row, at);
  return presentGeneration(ctx, row);
}
