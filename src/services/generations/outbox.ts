import type { ServiceContext } from "../../context";
import { findGeneration, type GenerationRow } from "../../db/repo/generations";
import { accountGate } from "../../durable/account-gate";
import { ApiError } from "../../errors";
import { describeError, log } from "../../lib/logger";

/**
 * GENERATION_DELIVERY=outbox: an accepted try-on may still be in its
 * AccountGate's outbox, on its way to D1 (for up to GENERATION_OUTBOX_GATHER_MS,
 * or longer while D1 or the queue fail). Readers that can come before the
 * delivery ask the gate to deliver first, so every read sees every 202.
 */
export async function deliverAccepted(ctx: Pick<ServiceContext, "env" | "config" | "requestId">, accountId: string): Promise<void> {
  if (ctx.config.GENERATION_DELIVERY !== "outbox") return;
  try {
    await accountGate(ctx.env, accountId).deliver();
  } catch (err) {
    log("error", "delivering accepted try-ons before a read failed", { requestId: ctx.requestId, accountId, error: describeError(err) });
    throw new ApiError("SERVICE_UNAVAILABLE", "Recently accepted try-ons are not in storage yet. Retry shortly.", {
      headers: { "retry-after": "1" },
      cause: err,
    });
  }
}

/** `findGeneration`, delivering the account's outbox when the row is not there yet (only then: a found row costs nothing more). */
export async function findAcceptedGeneration(ctx: ServiceContext, accountId: string, id: string): Promise<GenerationRow | undefined> {
  const row = await findGeneration(ctx.db, accountId, id);
  if (row || ctx.config.GENERATION_DELIVERY !== "outbox") return row;
  await deliverAccepted(ctx, accountId);
  return findGeneration(ctx.db, accountId, id);
}
