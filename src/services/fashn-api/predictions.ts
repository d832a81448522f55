import type { ServiceContext } from "../../context";
import { findGeneration } from "../../db/repo/generations";
import type { StoredResponse } from "../../durable/account-gate";
import { ApiError } from "../../errors";
import type { FashnCreditsView, FashnStatusView } from "../../schemas/fashn";
import type { AuthContext } from "../accounts";
import { getCreditSummary } from "../credits";
import { createTryOn, findAcceptedGeneration } from "../generations";
import { presentFashnStatus } from "./present";
import { translateRun } from "./translate";

/** What `/v1/run` answers: the prediction id (Drape's generation id). */
export interface FashnRunAccepted {
  id: string;
  error: null;
}

/**
 * POST /v1/run: the FASHN body translated onto the one try-on pipeline, so the
 * same validation, credit reservation, idempotency record, engine and webhook
 * delivery apply. `answer` is the route's 200 for the idempotency record.
 */
export async function runPrediction(
  ctx: ServiceContext,
  auth: AuthContext,
  raw: unknown,
  webhookUrl: string | undefined,
  answer: (accepted: FashnRunAccepted) => StoredResponse,
): Promise<FashnRunAccepted> {
  const run = translateRun(raw, webhookUrl);
  const accepted = await createTryOn(ctx, auth, run.body, run.files, (a) => answer({ id: a.generationId, error: null }), run.compat);
  return { id: accepted.generationId, error: null };
}

/** GET /v1/status/{id}: any generation of the account, in FASHN's shape; another account's id is NotFound. */
export async function predictionStatus(ctx: ServiceContext, accountId: string, id: string): Promise<FashnStatusView> {
  const row = await findAcceptedGeneration(ctx, accountId, id);
  if (!row) throw new ApiError("GENERATION_NOT_FOUND", `No prediction ${id} on this account.`);
  return presentFashnStatus(ctx, row, { inline: true });
}

/** GET /v1/credits: the balance available for new runs (Drape has one balance: all of it is `on_demand`). */
export async function creditsView(ctx: ServiceContext, accountId: string): Promise<FashnCreditsView> {
  const { balance } = await getCreditSummary(ctx, accountId);
  return { credits: { total: balance, subscription: 0, on_demand: balance } };
}

/**
 * The payload a FASHN `webhook_url` receives: the same object `/v1/status`
 * answers (the output as a URL: payloads are stored until delivered). null
 * when the generation did not come through the facade.
 */
export async function fashnCallbackPayload(ctx: ServiceContext, accountId: string, generationId: string): Promise<string | null> {
  const row = await findGeneration(ctx.db, accountId, generationId);
  if (row?.compat?.api !== "fashn") return null;
  return JSON.stringify(await presentFashnStatus(ctx, row, { inline: false }));
}
