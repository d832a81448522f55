/**
 * `output.watermark` (docs/try-on.md, Watermark): the one step between an
 * engine's completed result and its storage that stamps the account logo, so
 * every engine's result (mock, composite, upstream) is stamped the same way.
 * A watermark never fails a generation: a result without a logo to stamp, or
 * one the Worker cannot decode within its budget, is stored as the engine
 * made it, and the reason is recorded on the stored object and in the log.
 */
import type { ServiceContext } from "../../context";
import type { GenerationRow } from "../../db/repo/generations";
import { type EngineResult, imagesBindingShrinker, stampLogo } from "../../engines";
import { describeError, log } from "../../lib/logger";
import { readAccountLogo } from "../accounts";

type Completed = Extract<EngineResult, { kind: "completed" }>;

/** What happened to the watermark, as recorded on the result's R2 object (`watermark` metadata). */
export type WatermarkNote = "stamped" | "no-logo" | `skipped: ${string}`;

export interface Watermarked {
  result: Completed;
  /** null when the generation did not ask for the watermark. */
  note: WatermarkNote | null;
}

/**
 * The result to store: stamped when the generation asked for the watermark and the account has a
 * logo. `orientation` is the result's EXIF orientation: a stamped result is re-encoded upright.
 */
export async function applyWatermark(
  ctx: ServiceContext,
  row: Pick<GenerationRow, "id" | "accountId" | "watermark">,
  result: Completed,
  orientation: number | null,
): Promise<Watermarked> {
  if (row.watermark !== true) return { result, note: null };
  try {
    const logo = await readAccountLogo(ctx, row.accountId);
    if (!logo) return { result, note: "no-logo" };
    const stamped = await stampLogo(result.bytes, orientation, logo, ctx.env.IMAGES ? imagesBindingShrinker(ctx.env.IMAGES) : null);
    if (!stamped.stamped) {
      log("warn", "result stored without its watermark", { generationId: row.id, reason: stamped.reason });
      return { result, note: `skipped: ${stamped.reason}` };
    }
    return {
      result: { ...result, bytes: stamped.bytes, contentType: "image/jpeg", format: "jpeg", width: stamped.width, height: stamped.height },
      note: "stamped",
    };
  } catch (err) {
    log("warn", "watermark failed; result stored without it", { generationId: row.id, error: describeError(err) });
    return { result, note: "skipped: the watermark could not be drawn" };
  }
}
