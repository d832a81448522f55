/**
 * The account logo: the image stamped on results of try-ons that ask for
 * `output.watermark` (docs/try-on.md, Watermark). One per account, shared by
 * its live and test modes. The bytes live in R2 under `keep/<account>/logo/`
 * (a fresh key per upload, so a generation reading the previous logo never
 * sees half of a new one); the account row holds the key, format and size.
 * The operator API and the dashboard both set and clear it here.
 */
import type { ServiceContext } from "../../context";
import * as repo from "../../db/repo/accounts";
import { imagesBindingShrinker, logoDecodes } from "../../engines";
import { ApiError } from "../../errors";
import { newId } from "../../lib/ids";
import { extensionOf, inspectLogo } from "../../lib/image-intake";
import { describeError, log } from "../../lib/logger";
import { liveAccountIdOf } from "../../lib/modes";
import { signedImageUrl } from "../images";
import { type Account, getAccount } from "./accounts";

export interface AccountLogo {
  r2Key: string;
  format: "jpeg" | "png" | "webp";
  width: number;
  height: number;
  updatedAt: number;
}

/** The account's logo as its row records it, or null. */
export function logoOf(account: Account): AccountLogo | null {
  const { logoR2Key, logoFormat, logoWidth, logoHeight, logoUpdatedAt } = account;
  if (logoR2Key === null || logoFormat === null || logoWidth === null || logoHeight === null || logoUpdatedAt === null) return null;
  return { r2Key: logoR2Key, format: logoFormat, width: logoWidth, height: logoHeight, updatedAt: logoUpdatedAt };
}

/**
 * A failed compare-and-set means another writer just succeeded, so each retry makes progress;
 * only a storm of simultaneous uploads to one account could exhaust these.
 */
const SWAP_ATTEMPTS = 5;

/**
 * Validates and stores `bytes` as the account's logo, replacing any previous
 * one (whose object is then deleted). Refused before anything is written:
 * FILE_TOO_LARGE over 512 KB, UNSUPPORTED_IMAGE_TYPE for anything but JPEG,
 * PNG or WebP, INVALID_IMAGE for a broken file, IMAGE_DIMENSIONS_OUT_OF_RANGE
 * outside 16–1024 px per side.
 */
export async function setAccountLogo(ctx: ServiceContext, accountId: string, bytes: Uint8Array, path = ""): Promise<Account> {
  const info = inspectLogo(bytes, path);
  // A WebP logo is read through the Images binding (the Worker has no WebP decoder).
  if (!(await logoDecodes(bytes, ctx.env.IMAGES ? imagesBindingShrinker(ctx.env.IMAGES) : null))) {
    throw new ApiError("INVALID_IMAGE", "The logo's header is valid but its image data cannot be decoded.", {
      details: [{ path, message: "the image data cannot be decoded" }],
    });
  }
  const account = await getAccount(ctx, accountId);
  const now = ctx.now();
  const r2Key = `keep/${account.id}/logo/${newId("image", now)}.${extensionOf(info.format)}`;
  await ctx.env.BUCKET.put(r2Key, bytes, {
    httpMetadata: { contentType: info.contentType },
    customMetadata: { accountId: account.id, role: "logo" },
  });
  try {
    return await swapLogo(ctx, account, { logoR2Key: r2Key, logoFormat: info.format, logoWidth: info.width, logoHeight: info.height, logoUpdatedAt: now });
  } catch (err) {
    await ctx.env.BUCKET.delete(r2Key).catch(() => undefined);
    throw err;
  }
}

/** Removes the account's logo (idempotent: an account without one is answered as it is). */
export async function clearAccountLogo(ctx: ServiceContext, accountId: string): Promise<Account> {
  const account = await getAccount(ctx, accountId);
  if (account.logoR2Key === null) return account;
  return swapLogo(ctx, account, { logoR2Key: null, logoFormat: null, logoWidth: null, logoHeight: null, logoUpdatedAt: null });
}

/** Compare-and-set on the row's logo key, then deletes the object it replaced. */
async function swapLogo(ctx: ServiceContext, account: Account, logo: repo.AccountLogoColumns): Promise<Account> {
  let current = account;
  for (let attempt = 0; attempt < SWAP_ATTEMPTS; attempt++) {
    const row = await repo.swapAccountLogo(ctx.db, current.id, current.logoR2Key, logo, ctx.now());
    if (row) {
      if (current.logoR2Key !== null) await deleteLogoObject(ctx, current.logoR2Key);
      return row;
    }
    current = await getAccount(ctx, current.id);
  }
  // Only a burst of concurrent uploads to one account gets here: a retryable answer, never a 500.
  throw new ApiError("SERVICE_UNAVAILABLE", `The logo of account ${account.id} kept changing during this request; retry it.`);
}

async function deleteLogoObject(ctx: ServiceContext, r2Key: string): Promise<void> {
  try {
    await ctx.env.BUCKET.delete(r2Key);
  } catch (err) {
    // The row no longer names it: a leftover object is harmless (never served, never stamped).
    log("warn", "could not delete a replaced account logo", { error: describeError(err) });
  }
}

/**
 * The logo bytes to stamp on a generation of `accountId` (live or test twin: the
 * live account's logo), or null when the account has none or its object is gone.
 */
export async function readAccountLogo(ctx: ServiceContext, accountId: string): Promise<Uint8Array | null> {
  const account = await repo.findAccount(ctx.db, liveAccountIdOf(accountId));
  const logo = account ? logoOf(account) : null;
  if (!logo) return null;
  const obj = await ctx.env.BUCKET.get(logo.r2Key);
  return obj ? new Uint8Array(await obj.arrayBuffer()) : null;
}

/** A signed, expiring URL of the account's logo (the dashboard shows it), or null without one. */
export function accountLogoUrl(ctx: ServiceContext, account: Account): string | null {
  const logo = logoOf(account);
  return logo ? signedImageUrl(ctx, logo).url : null;
}
