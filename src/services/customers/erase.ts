import type { ServiceContext } from "../../context";
import {
  anonymizeUserGenerations,
  clearUserResultRefs,
  deleteUserImageBatch,
  expireUserImages,
  listActiveUserGenerations,
  scrubUserWebhookPayloads,
} from "../../db/repo/customers";
import { log } from "../../lib/logger";
import { cancelRemoteJob, deliverAccepted, failGeneration, forgetAccountGenerations } from "../generations";

/** Image rows deleted per statement, and statements per request: bounded work per call. */
export const ERASE_BATCH = 100;
export const ERASE_MAX_BATCHES = 10;
/** In-flight generations cancelled per request (each settles credits and emits an event). */
export const ERASE_MAX_CANCELS = 50;

export interface EraseSummary {
  cancelledGenerations: number;
  clearedResults: number;
  imagesDeleted: number;
  /** Images left to the retention purge (marked expired now) because the inline cap was reached. */
  imagesDeferred: number;
  scrubbedWebhookPayloads: number;
  anonymizedGenerations: number;
}

/**
 * GDPR erase of one end user of an account (docs/privacy.md), idempotent:
 * 1. their PENDING/PROCESSING generations are cancelled (FAILED,
 *    GENERATION_CANCELLED, credit refunded, event emitted), so no engine
 *    result can be stored for them afterwards (a late one is discarded);
 * 2. result references are dropped from their generations (no URL offered);
 * 3. their images (tagged uploads, the person photos and results of their
 *    generations; never product images) are deleted, rows then objects, in
 *    batches; past the cap the rest is marked expired for the retention purge;
 * 4. the user id is blanked in stored webhook payloads of their generations;
 * 5. their generations are anonymized (`externalUserId` removed).
 * Each step is safe to repeat, so a crash or a retry simply finishes the job.
 * Logs carry counts and the account id only, never the user id.
 */
export async function eraseCustomer(
  ctx: ServiceContext,
  accountId: string,
  externalUserId: string,
  limits: { batch: number; maxBatches: number } = { batch: ERASE_BATCH, maxBatches: ERASE_MAX_BATCHES },
): Promise<EraseSummary> {
  // A try-on accepted just before is erased too: the outbox delivers it first, and it is cancelled below.
  await deliverAccepted(ctx, accountId);
  forgetAccountGenerations(accountId);
  const cancelledGenerations = await cancelActive(ctx, accountId, externalUserId);
  const clearedResults = await clearUserResultRefs(ctx.db, accountId, externalUserId);

  let imagesDeleted = 0;
  let more = true;
  for (let batch = 0; batch < limits.maxBatches && more; batch++) {
    const keys = await deleteUserImageBatch(ctx.db, accountId, externalUserId, limits.batch);
    if (keys.length > 0) await ctx.env.BUCKET.delete(keys);
    imagesDeleted += keys.length;
    more = keys.length === limits.batch;
  }
  const imagesDeferred = more ? await expireUserImages(ctx.db, accountId, externalUserId, ctx.now()) : 0;

  const scrubbedWebhookPayloads = await scrubUserWebhookPayloads(ctx.db, accountId, externalUserId);
  const anonymizedGenerations = await anonymizeUserGenerations(ctx.db, accountId, externalUserId);
  forgetAccountGenerations(accountId);
  const summary = { cancelledGenerations, clearedResults, imagesDeleted, imagesDeferred, scrubbedWebhookPayloads, anonymizedGenerations };
  log("info", "customer data erased", { requestId: ctx.requestId, accountId, ...summary });
  return summary;
}

/** Cancels the user's in-flight generations (bounded); a remote job is cancelled upstream, best effort. */
async function cancelActive(ctx: ServiceContext, accountId: string, externalUserId: string): Promise<number> {
  const active = await listActiveUserGenerations(ctx.db, accountId, externalUserId, ERASE_MAX_CANCELS);
  let cancelled = 0;
  for (const gen of active) {
    const row = await failGeneration(ctx, accountId, gen.id, ["PENDING", "PROCESSING"], {
      code: "GENERATION_CANCELLED",
      message: "The generation was cancelled because its end user's data was erased (DELETE /customers).",
    });
    if (!row) continue; // finished meanwhile: its result is erased like any other
    cancelled++;
    await cancelRemoteJob(ctx, row);
  }
  return cancelled;
}
