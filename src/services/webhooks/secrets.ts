import type { ServiceContext } from "../../context";
import * as repo from "../../db/repo/webhooks";
import { ApiError } from "../../errors";
import { atRestKeyring } from "../../lib/at-rest-keys";
import { describeError, log } from "../../lib/logger";
import { openSecret, sealSecret, UnreadableSealError } from "../../lib/secret-box";
import { toIso } from "../../lib/time";
import { generateWebhookSecret } from "../../lib/webhook-signing";

/**
 * Webhook signing secrets: encrypted at rest (bound to their row by the AAD),
 * readable by the owner, rotated with an overlap; and the account's default
 * secret, which signs deliveries to per-request `webhookUrl`s.
 */

/** Default rotation overlap: the old secret keeps signing this long beside the new one (Svix's default). */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 86400;

export const endpointAad = (endpointId: string) => `webhook_endpoints:${endpointId}`;
const defaultAad = (accountId: string) => `webhook_default_secrets:${accountId}`;

interface SecretRow {
  secretEnc: string;
  previousSecretEnc: string | null;
  previousSecretExpiresAt: number | null;
}

export function previousActive(row: SecretRow, now: number): boolean {
  return row.previousSecretEnc !== null && row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt > now;
}

const PURPOSE = "webhook-secret";

export function seal(ctx: ServiceContext, secret: string, aad: string): Promise<string> {
  return atRestKeyring(ctx.env).then((ring) => sealSecret(ring, PURPOSE, secret, aad));
}

async function open(ctx: ServiceContext, sealed: string, aad: string): Promise<string> {
  return openSecret(await atRestKeyring(ctx.env), PURPOSE, sealed, aad);
}

/** A signing secret this deployment's at-rest keys cannot open: the envelope an owner sees. */
function unreadable(err: UnreadableSealError): ApiError {
  const which = err.keyId ? `at-rest key ${err.keyId}` : "an at-rest key";
  return new ApiError(
    "ENCRYPTED_DATA_UNREADABLE",
    `This webhook signing secret was encrypted with ${which}, which this deployment no longer has. Rotate the secret to get a new one, or ask the operator to restore the key as AT_REST_KEY_PREVIOUS.`,
    { details: [{ path: "", message: "sealed with an at-rest key this deployment does not have", keyId: err.keyId, reason: err.reason }] },
  );
}

/**
 * The secrets that sign a message now: the current one, plus the previous one
 * during its overlap. A previous secret the keys cannot open is left out (the
 * current one still signs); an unreadable current one throws UnreadableSealError.
 */
async function signingSecrets(ctx: ServiceContext, row: SecretRow, aad: string): Promise<string[]> {
  const out = [await open(ctx, row.secretEnc, aad)];
  if (previousActive(row, ctx.now()) && row.previousSecretEnc) {
    try {
      out.push(await open(ctx, row.previousSecretEnc, aad));
    } catch (err) {
      if (!(err instanceof UnreadableSealError)) throw err;
      log("warn", "previous webhook secret unreadable with the current at-rest keys; signing with the current secret only", { aad, error: describeError(err) });
    }
  }
  return out;
}

export function endpointSigningSecrets(ctx: ServiceContext, row: repo.WebhookEndpointRow): Promise<string[]> {
  return signingSecrets(ctx, row, endpointAad(row.id));
}

export async function defaultSigningSecrets(ctx: ServiceContext, accountId: string): Promise<string[]> {
  const row = await ensureDefaultSecretRow(ctx, accountId);
  return signingSecrets(ctx, row, defaultAad(accountId));
}

/** A rotation patch: the current ciphertext becomes the previous one (same row, same AAD) for `overlapSeconds`. */
export async function rotationPatch(ctx: ServiceContext, row: SecretRow, aad: string, overlapSeconds: number) {
  const now = ctx.now();
  const secret = generateWebhookSecret();
  return {
    secret,
    patch: {
      secretEnc: await seal(ctx, secret, aad),
      previousSecretEnc: overlapSeconds > 0 ? row.secretEnc : null,
      previousSecretExpiresAt: overlapSeconds > 0 ? now + overlapSeconds * 1000 : null,
      updatedAt: now,
    },
  };
}

export interface SecretView {
  secret: string;
  previousSecretExpiresAt: string | null;
}

export async function secretView(ctx: ServiceContext, row: SecretRow, aad: string): Promise<SecretView> {
  let secret: string;
  try {
    secret = await open(ctx, row.secretEnc, aad);
  } catch (err) {
    if (err instanceof UnreadableSealError) throw unreadable(err);
    throw err;
  }
  return { secret, previousSecretExpiresAt: previousActive(row, ctx.now()) ? toIso(row.previousSecretExpiresAt) : null };
}

// ---- default secret (per-request webhookUrl) -------------------------------------------------

async function ensureDefaultSecretRow(ctx: ServiceContext, accountId: string): Promise<repo.WebhookDefaultSecretRow> {
  const existing = await repo.findDefaultSecret(ctx.db, accountId);
  if (existing) return existing;
  const now = ctx.now();
  return repo.ensureDefaultSecret(ctx.db, {
    accountId,
    secretEnc: await seal(ctx, generateWebhookSecret(), defaultAad(accountId)),
    createdAt: now,
    updatedAt: now,
  });
}

/** Creates the account's default secret if it has none (without opening it). */
export async function ensureDefaultSecret(ctx: ServiceContext, accountId: string): Promise<void> {
  await ensureDefaultSecretRow(ctx, accountId);
}

/** The account's default signing secret, created on first need. */
export async function getDefaultSecret(ctx: ServiceContext, accountId: string): Promise<SecretView> {
  return secretView(ctx, await ensureDefaultSecretRow(ctx, accountId), defaultAad(accountId));
}

export async function rotateDefaultSecret(
  ctx: ServiceContext,
  accountId: string,
  overlapSeconds: number = DEFAULT_ROTATION_OVERLAP_SECONDS,
): Promise<SecretView> {
  const row = await ensureDefaultSecretRow(ctx, accountId);
  const { patch } = await rotationPatch(ctx, row, defaultAad(accountId), overlapSeconds);
  const updated = await repo.updateDefaultSecret(ctx.db, accountId, patch);
  if (!updated) throw new Error("default secret vanished during rotation");
  return secretView(ctx, updated, defaultAad(accountId));
}
