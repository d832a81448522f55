import type { EngineName } from "../../config";
import type { ServiceContext } from "../../context";
import {
  findTryOnRefs,
  type GenerationCompat,
  insertGenerationBatch,
  type NewGenerationRow,
  productUsageStatement,
  type Withdrawal,
  withdrawPendingGeneration,
} from "../../db/repo/generations";
import type { ProductTouch, StoredResponse } from "../../durable/account-gate";
import { selectEngineNames } from "../../engines";
import { ApiError } from "../../errors";
import { newId } from "../../lib/ids";
import type { ImageInfo } from "../../lib/image-intake";
import { describeError, log } from "../../lib/logger";
import type { FilePart } from "../../lib/multipart-form";
import { defaultKeepForDays, type KeepForDays } from "../../lib/retention-days";
import { safeFetchImage } from "../../lib/safe-fetch";
import { magicErrorOf } from "../../lib/test-directive";
import { isLive } from "../../lib/time";
import type { GenerationMessageInput } from "../../queues";
import type { ProductInput } from "../../schemas/products";
import type { TryOnRequestBody } from "../../schemas/tryon";
import type { AuthContext } from "../accounts";
import { admissionScopeOf, countBeforeCostlyWork, rateLimitOf, simulatedRateLimit } from "../admission";
import { type RecordOutcome, recordGeneration, reserveCredit, withdrawCredit } from "../credits";
import { inspectPart, missingPart, type StoredImage, storeImage, toStoredImage } from "../images";
import { type CheckedProductInput, checkProductInput, expiryFor, newOneshotExternalId, type ProductRecord, upsertProduct } from "../products";
import { validateWebhookUrl } from "../webhooks";
import { type ProductSnapshot, snapshotOf } from "./product-snapshot";
import { isBareReference, normalizeTryOnRequest, type TryOnRequest } from "./try-on-request";

export interface TryOnAccepted {
  generationId: string;
  livemode: boolean;
  status: "PENDING";
  productExternalId: string;
}

/** Where the person photo comes from once validated (bytes are only stored after the credit is reserved). */
type PersonPlan = { kind: "stored"; image: StoredImage } | { kind: "bytes"; bytes: Uint8Array; info: ImageInfo };

/** How the product is obtained once validated. */
type ProductPlan =
  | { kind: "reference"; product: ProductSnapshot & { validForDays: number | null } }
  | { kind: "upsert"; mode: "inline" | "oneshot"; externalId: string; input: ProductInput; title: string | null; checked: CheckedProductInput };

/**
 * POST /try-on: validates EVERYTHING that can be validated (shape, aliases,
 * product reference or inline images, person image, webhook URL) before any
 * charge or write; then reserves one credit, writes what the request creates
 * (inline product, person bytes), records the generation PENDING in one D1
 * batch with the product's lifetime refresh, and enqueues it.
 *
 * `answer` builds the HTTP answer of an accepted try-on (the route's 202): it
 * is fixed before the charge and, when the request owns an Idempotency-Key
 * record, recorded there in the same AccountGate transaction as the charge,
 * so no failure after it can make a retry charge twice. A try-on that then
 * turns out not to be recorded is withdrawn: refunded, answer cleared.
 *
 * Round trips with a referenced product and an uploaded image id: one D1 batch
 * read (product + image; none when this isolate has both in its refs cache),
 * one DO call (reserve), one D1 batch write (generation + product touch), one
 * queue send. With GENERATION_DELIVERY=outbox such a try-on's record rides on
 * the reserve call instead, and the AccountGate writes and enqueues it after
 * the answer; a try-on that writes first hands its record over in a second
 * call after its writes (docs/architecture.md, record 15).
 */
export async function createTryOn(
  ctx: ServiceContext,
  auth: AuthContext,
  body: TryOnRequestBody,
  files: Map<string, FilePart> | null,
  answer?: (accepted: TryOnAccepted) => StoredResponse,
  compat: GenerationCompat | null = null,
): Promise<TryOnAccepted> {
  const req = normalizeTryOnRequest(body);
  refuseTestDirectiveInLiveMode(auth, req);
  const productPath = body.products ? "products.0" : "product";
  const webhookUrl = req.webhookUrl === null ? null : validateWebhookUrl(ctx, req.webhookUrl, body.webhookUrl ? "webhookUrl" : "webhook_url");
  const now = ctx.now();

  // ---- reads (one round trip) ------------------------------------------------------------
  const externalId = req.product.externalId ?? null;
  const personId = "id" in req.person ? req.person.id : null;
  const refs = await findTryOnRefs(ctx.db, auth.accountId, externalId, personId !== null && personId.length <= 64 ? personId : null, now);
  const existing = refs.product && isLive(refs.product, now) ? refs.product : undefined;

  // ---- product ------------------------------------------------------------------------------
  let plan: ProductPlan;
  if (isBareReference(req.product)) {
    if (!existing)
      throw new ApiError(
        "PRODUCT_NOT_FOUND",
        `No product "${req.product.externalId.slice(0, 256)}" on this account (or it expired). Send it inline with its images.`,
      );
    plan = {
      kind: "reference",
      product: {
        externalId: existing.externalId,
        kind: existing.kind,
        title: existing.title,
        description: existing.description,
        images: existing.images,
        validForDays: existing.validForDays,
      },
    };
  } else {
    const mode = externalId === null ? "oneshot" : "inline";
    // Every check upsertProduct would make, made before the credit is reserved; the checked parts are handed to it.
    const checked = await checkProductInput(ctx, req.product, { files, existsLive: mode === "inline" && existing !== undefined, path: productPath });
    const title = req.product.title !== undefined ? req.product.title : (existing?.title ?? null);
    // A one-shot product's id is chosen now: the answer names it, and the answer is recorded with the charge.
    plan = { kind: "upsert", mode, externalId: externalId ?? newOneshotExternalId(), input: req.product, title, checked };
  }

  // ---- person -------------------------------------------------------------------------------
  const person = await resolvePerson(ctx, auth.accountId, req, files, refs.image, now);

  const productTitle = plan.kind === "reference" ? plan.product.title : plan.title;
  const engines: EngineName[] = selectEngineNames({
    config: ctx.config,
    accountEngine: auth.engineOverride,
    accountEngines: auth.engines ?? null,
    accountEnginesByCategory: auth.enginesByCategory ?? null,
    category: req.category,
    productTitle,
    livemode: auth.livemode,
  });
  const engine: EngineName = engines[0] ?? ctx.config.ENGINE_DEFAULT;
  // An uploaded photo keeps the window it was uploaded with, unless the try-on chooses one.
  const keepForDays: KeepForDays =
    req.keepForDays ??
    (person.kind === "stored" ? person.image.keepForDays : null) ??
    defaultKeepForDays(auth.retentionDays, ctx.config.DEFAULT_RETENTION_DAYS);
  const externalUserId = req.externalUserId ?? (person.kind === "stored" ? person.image.externalUserId : null);

  // ---- charge, then write ---------------------------------------------------------------------
  // Test mode's magic end-user ids answer their error here: everything is validated, nothing charged yet.
  if (!auth.livemode) forceMagicError(ctx, auth, externalUserId);
  const generationId = newId("generation", now);
  const accepted: TryOnAccepted = {
    generationId,
    livemode: auth.livemode,
    status: "PENDING",
    productExternalId: plan.kind === "reference" ? plan.product.externalId : plan.externalId,
  };
  const shape: RowShape = { generationId, externalUserId, engine, engines, keepForDays, webhookUrl, compat, now };
  // Nothing to write before the generation's record (its product and person photo are stored): the
  // outbox can take the record with the credit hold, and the 202 needs no other round trip.
  const record =
    ctx.config.GENERATION_DELIVERY === "outbox" && plan.kind === "reference" && person.kind === "stored"
      ? { row: JSON.stringify(generationRow(ctx, auth, req, shape, plan.product, person.image.id)), touch: productTouch(plan.product, now) }
      : undefined;
  const outboxed = await reserveCredit(
    ctx.env,
    {
      accountId: auth.accountId,
      keyId: auth.keyId,
      generationId,
      keySpendCap: auth.keySpendCap,
      accountSpendCapPerDay: auth.accountSpendCapPerDay,
      ...(auth.livemode ? {} : { testDailyCredits: ctx.config.TEST_DAILY_CREDITS }),
      ...(answer ? { provisional: answer(accepted) } : {}),
      ...(record ? { record } : {}),
    },
    ctx,
  );
  const acceptedBy = (delivery: "outbox" | "request"): TryOnAccepted => {
    log("info", "generation accepted", { requestId: ctx.requestId, generationId, accountId: auth.accountId, engine, delivery });
    return accepted;
  };
  if (outboxed) return acceptedBy("outbox");

  let row: NewGenerationRow;
  let touch: ProductTouch;
  try {
    let snapshot: ProductSnapshot & { validForDays: number | null };
    if (plan.kind === "upsert") {
      const oneshot = plan.mode === "oneshot" ? { oneshotId: plan.externalId } : {};
      const stored: ProductRecord = await upsertProduct(ctx, auth.accountId, plan.input, { kind: plan.mode, checked: plan.checked, ...oneshot });
      snapshot = { ...stored };
    } else {
      snapshot = plan.product;
    }
    const personImage =
      person.kind === "stored"
        ? person.image
        : await storeImage(ctx, { accountId: auth.accountId, bytes: person.bytes, info: person.info, role: "person", keepForDays, externalUserId, crop: true });

    row = generationRow(ctx, auth, req, shape, snapshot, personImage.id);
    touch = productTouch(snapshot, ctx.now());
  } catch (err) {
    // The generation was never written: nothing to run, so nothing is charged.
    await withdrawQuietly(ctx, auth.accountId, generationId, "try-on not recorded", auth.keyId);
    throw err;
  }

  if (ctx.config.GENERATION_DELIVERY === "outbox" && (await recordAfterWrites(ctx, auth, generationId, row, touch))) return acceptedBy("outbox");

  try {
    // Every use refreshes the product's lifetime, in the same transaction as the generation.
    await insertGenerationBatch(ctx.db, row, [productUsageStatement(ctx.db, auth.accountId, touch.externalId, touch.lastUsedAt, touch.expiresAt)]);
  } catch (err) {
    await settleUnconfirmedWrite(ctx, auth.accountId, auth.keyId, generationId, err);
  }

  const message: GenerationMessageInput = { generationId, accountId: auth.accountId };
  try {
    await ctx.env.GENERATIONS_QUEUE.send(message);
  } catch (err) {
    await withdrawUnqueued(ctx, auth.accountId, auth.keyId, generationId, err);
  }
  return acceptedBy("request");
}

/** What a generation's row takes from the request beyond its product and person photo. */
interface RowShape {
  generationId: string;
  externalUserId: string | null;
  engine: EngineName;
  engines: EngineName[];
  keepForDays: KeepForDays;
  webhookUrl: string | null;
  compat: GenerationCompat | null;
  now: number;
}

/** The PENDING generation's D1 row, whichever way it is delivered. */
function generationRow(
  ctx: ServiceContext,
  auth: AuthContext,
  req: TryOnRequest,
  shape: RowShape,
  snapshot: ProductSnapshot,
  personImageId: string,
): NewGenerationRow {
  const { now } = shape;
  return {
    id: shape.generationId,
    accountId: auth.accountId,
    apiKeyId: auth.keyId,
    status: "PENDING",
    productExternalId: snapshot.externalId,
    productSnapshot: snapshotOf(snapshot),
    personImageId,
    externalUserId: shape.externalUserId,
    engine: shape.engine,
    engines: shape.engines.length > 1 ? shape.engines : null,
    category: req.category,
    mode: req.mode,
    seed: req.seed,
    watermark: req.watermark,
    keepForDays: shape.keepForDays,
    webhookUrl: shape.webhookUrl,
    compat: shape.compat,
    attempts: 0,
    creditState: "reserved",
    requestId: ctx.requestId,
    createdAt: now,
    updatedAt: now,
    deadlineAt: now + ctx.config.GENERATION_DEADLINE_SECONDS * 1000,
    testDirective: req.test,
  };
}

/** Every use refreshes the product's lifetime. */
function productTouch(snapshot: ProductSnapshot & { validForDays: number | null }, at: number): ProductTouch {
  return { externalId: snapshot.externalId, lastUsedAt: at, expiresAt: expiryFor(snapshot.kind, snapshot.validForDays, at) };
}

/** `test` is a test-mode field: on a live key it is refused before anything else, so it can never ship by accident. */
function refuseTestDirectiveInLiveMode(auth: AuthContext, req: TryOnRequest): void {
  if (req.test === null || !auth.livemode) return;
  throw new ApiError("VALIDATION_FAILED", "`test` forces outcomes in test mode only: send it with a dr_test_ key, or remove it.", {
    details: [{ path: "test", message: "Only allowed with a test-mode (dr_test_) key" }],
  });
}

/** Test mode: `externalUserId` `test_rate_limited` / `test_insufficient_credits` answer 429 / 402 as the real refusals do. */
function forceMagicError(ctx: ServiceContext, auth: AuthContext, externalUserId: string | null): void {
  const forced = magicErrorOf(externalUserId);
  if (forced === "RATE_LIMITED") throw simulatedRateLimit(admissionScopeOf(ctx, auth.accountId), rateLimitOf(auth, ctx.config));
  if (forced === "INSUFFICIENT_CREDITS") {
    throw new ApiError(
      "INSUFFICIENT_CREDITS",
      "The account has no credits left. Top up to continue. (Forced in test mode by externalUserId test_insufficient_credits.)",
    );
  }
}

async function resolvePerson(
  ctx: ServiceContext,
  accountId: string,
  req: TryOnRequest,
  files: Map<string, FilePart> | null,
  imageRow: Parameters<typeof toStoredImage>[0] | undefined,
  now: number,
): Promise<PersonPlan> {
  const p = req.person;
  if ("id" in p) {
    // Person photos and earlier results (to chain try-ons) are accepted; product images are not.
    if (!imageRow || !isLive(imageRow, now) || imageRow.role === "product") {
      throw new ApiError("IMAGE_NOT_FOUND", `No person image ${p.id.slice(0, 64)} on this account (or it expired): upload it again.`);
    }
    return { kind: "stored", image: toStoredImage(imageRow) };
  }
  if ("url" in p) {
    // A fetch costs up to 10 MB and 10 s: the key's rate limit is counted before it, not after.
    await countBeforeCostlyWork(ctx.env, admissionScopeOf(ctx, accountId));
    const { bytes, info } = await safeFetchImage(p.url, {
      purpose: "customer",
      allowLoopback: ctx.config.ALLOW_LOOPBACK_FETCH,
      path: "person.image.source.url",
    });
    return { kind: "bytes", bytes, info };
  }
  const file = files?.get(p.fileKey);
  const at = { label: "person.image.source.fileKey", path: "person.image.source.fileKey" };
  if (!file) throw missingPart(p.fileKey, at, files !== null);
  return { kind: "bytes", ...(await inspectPart(file, p.fileKey, at)) };
}

/**
 * Refunds a try-on that was not recorded and clears its provisional answer
 * (credits.withdrawCredit). If the AccountGate cannot be reached, the credit
 * stays held and the answer stays recorded: the gate's alarm finds the
 * generation absent from D1 after 15 minutes and withdraws it then.
 */
async function withdrawQuietly(ctx: ServiceContext, accountId: string, generationId: string, reason: string, keyId: string): Promise<void> {
  try {
    await withdrawCredit(ctx.env, accountId, generationId, reason, keyId);
  } catch (err) {
    log("error", "withdrawing an unrecorded try-on failed; the account gate's reconciler will release it", {
      requestId: ctx.requestId,
      generationId,
      error: describeError(err),
    });
  }
}

/** A try-on whose record may or may not have been stored: its credit stays held until the reconciler knows. */
const UNCONFIRMED_RECORD =
  "Storage could not confirm whether the try-on was recorded. If it was, it runs; if not, its held credit is released within 15 minutes. A retry with the same Idempotency-Key gets this try-on's answer.";

/**
 * GENERATION_DELIVERY=outbox, for a try-on that wrote first (an inline
 * product, a photo in the request): its record goes to the AccountGate that
 * holds its credit, after those writes. True when recorded (the gate
 * delivers it); false when a key shard charged it (delivered here, as with
 * request delivery). When the gate cannot answer, the record may have been
 * stored or not: the credit stays held and the provisional 202 recorded, and
 * after 15 minutes the gate's reconciler either finds it in the outbox
 * (delivered, it runs) or withdraws it.
 */
async function recordAfterWrites(ctx: ServiceContext, auth: AuthContext, generationId: string, row: NewGenerationRow, touch: ProductTouch): Promise<boolean> {
  const input = { accountId: auth.accountId, keyId: auth.keyId, accountSpendCapPerDay: auth.accountSpendCapPerDay, generationId };
  let outcome: RecordOutcome;
  try {
    outcome = await recordGeneration(ctx.env, input, { row: JSON.stringify(row), touch }, ctx);
  } catch (err) {
    log("error", "recording a try-on in the outbox failed; the credit stays held for reconciliation", {
      requestId: ctx.requestId,
      generationId,
      error: describeError(err),
    });
    throw new ApiError("SERVICE_UNAVAILABLE", UNCONFIRMED_RECORD, { headers: { "retry-after": "5" } });
  }
  if (outcome === "not-held") {
    // Only a settlement between the reservation and now releases the credit: nothing is charged, nothing runs.
    throw new ApiError("SERVICE_UNAVAILABLE", "The try-on's credit was released before it could be recorded; nothing was charged. Retry shortly.", {
      headers: { "retry-after": "5" },
    });
  }
  return outcome === "recorded";
}

/**
 * The generation batch threw, and D1 may have committed it anyway (the error
 * came after the commit). Asks D1, in the same step that withdraws a PENDING
 * row (docs/credits-limits-idempotency.md has the table of outcomes):
 * - removed now, or confirmed absent → refund, clear the provisional answer,
 *   answer the write's error (nothing charged; a retry runs again);
 * - there in another status (someone already runs it) → accepted after all
 *   (the message sent next is then a duplicate, which a claim ignores);
 * - D1 cannot answer → the credit stays held and the provisional 202 stays
 *   recorded (a retry with the same key replays it), answer a retryable 503;
 *   the gate's reconciler settles it after 15 minutes: never recorded →
 *   withdraw; PENDING → the sweep's lost-message recovery enqueues it.
 */
async function settleUnconfirmedWrite(ctx: ServiceContext, accountId: string, keyId: string, generationId: string, writeError: unknown): Promise<void> {
  let found: Withdrawal;
  try {
    found = await withdrawPendingGeneration(ctx.db, accountId, generationId);
  } catch (err) {
    log("error", "generation write and its withdrawal both failed; the credit stays held for reconciliation", {
      requestId: ctx.requestId,
      generationId,
      writeError: describeError(writeError),
      error: describeError(err),
    });
    throw new ApiError("SERVICE_UNAVAILABLE", UNCONFIRMED_RECORD, { headers: { "retry-after": "5" } });
  }
  if (found === "exists") {
    log("warn", "generation write reported a failure but the generation is recorded and running", {
      requestId: ctx.requestId,
      generationId,
      error: describeError(writeError),
    });
    return;
  }
  await withdrawQuietly(ctx, accountId, generationId, "try-on not recorded", keyId);
  throw writeError;
}

/**
 * The queue refused the message after the generation was written. A credit is
 * never left reserved behind an error answer, so the generation is
 * withdrawn first (only while still PENDING), then refunded with its
 * provisional answer cleared, and the client gets a retryable 503 with
 * nothing charged and nothing left behind. If even the withdrawal fails, the
 * row stays PENDING with its credit held and the sweep's lost-message
 * recovery enqueues it: then the request did succeed, so it answers 202 as
 * usual (as it does if someone already runs the generation).
 */
async function withdrawUnqueued(ctx: ServiceContext, accountId: string, keyId: string, generationId: string, sendError: unknown): Promise<void> {
  let found: Withdrawal | null = null;
  try {
    found = await withdrawPendingGeneration(ctx.db, accountId, generationId);
  } catch (err) {
    log("error", "enqueue and withdrawal both failed; lost-message recovery will enqueue the generation", {
      requestId: ctx.requestId,
      generationId,
      error: describeError(err),
    });
  }
  if (found === null || found === "exists") return;
  await withdrawQuietly(ctx, accountId, generationId, "try-on not queued", keyId);
  log("error", "enqueue failed; generation withdrawn and refunded", { requestId: ctx.requestId, generationId, error: describeError(sendError) });
  throw new ApiError("SERVICE_UNAVAILABLE", "The generation could not be queued; nothing was charged. Retry shortly.", { headers: { "retry-after": "5" } });
}
