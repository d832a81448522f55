import type { ServiceContext } from "../../context";
import { deleteAccountImageBatch, deleteAccountRows, expireAccountImages } from "../../db/repo/test-data";
import { ApiError } from "../../errors";
import { log } from "../../lib/logger";
import { isTestAccountId } from "../../lib/modes";
import { setTestBalance } from "../credits";
import { deliverAccepted, forgetAccountGenerations } from "../generations";

/** Images deleted inline per request (rows then R2 objects, in batches); the rest is left to the retention purge. */
export const TEST_ERASE_BATCH = 100;
export const TEST_ERASE_MAX_BATCHES = 10;

export interface TestDataErased {
  generations: number;
  products: number;
  images: number;
  /** Images past the inline cap: marked expired now (no longer served), deleted by the retention purge within minutes. */
  imagesDeferred: number;
  webhookEndpoints: number;
  webhookDeliveries: number;
  /** The test balance afterwards: reset to the daily free amount. */
  creditBalance: number;
}

/**
 * DELETE /test/data: erases every object of a test twin (generations,
 * products, images with their R2 bytes, webhook endpoints, deliveries and
 * attempts, the default webhook secret) and resets its balance to the daily
 * free amount. Live data cannot be reached: every statement is scoped by the
 * twin's id, and a live id is refused. Idempotent; a generation still running
 * finds its row gone and is dropped by the runner.
 */
export async function eraseTestData(
  ctx: ServiceContext,
  accountId: string,
  limits: { batch: number; maxBatches: number } = { batch: TEST_ERASE_BATCH, maxBatches: TEST_ERASE_MAX_BATCHES },
): Promise<TestDataErased> {
  if (!isTestAccountId(accountId)) throw new ApiError("TEST_MODE_ONLY", "Erasing all data is a test-mode tool: call it with a dr_test_ key.");
  // Delivered first, so no try-on accepted before the erase reaches D1 after it.
  await deliverAccepted(ctx, accountId);
  forgetAccountGenerations(accountId);
  const rows = await deleteAccountRows(ctx.db, accountId);
  forgetAccountGenerations(accountId);
  let images = 0;
  let more = true;
  for (let batch = 0; batch < limits.maxBatches && more; batch++) {
    const keys = await deleteAccountImageBatch(ctx.db, accountId, limits.batch);
    if (keys.length > 0) await ctx.env.BUCKET.delete(keys);
    images += keys.length;
    more = keys.length === limits.batch;
  }
  const imagesDeferred = more ? await expireAccountImages(ctx.db, accountId, ctx.now()) : 0;
  const credits = await setTestBalance(ctx, accountId, ctx.config.TEST_DAILY_CREDITS);
  const summary = { ...rows, images, imagesDeferred, creditBalance: credits.balance };
  log("info", "test data erased", { requestId: ctx.requestId, accountId, ...summary });
  return summary;
}
