import type { ServiceContext } from "../../context";
import { timingSafeEqualStrings } from "../../lib/crypto";
import { createOperatorSession, type SessionRow } from "./sessions";
import { operatorSignInSucceeded, type Throttled, takeOperatorSignIn } from "./throttle";

/**
 * The operator console's sign-in with ADMIN_TOKEN (the operator API's credential): counted per
 * address before the comparison (constant time), and a success mints a one-hour operator session
 * that opens /dashboard/operator only. A deployment with no usable token (< 16 characters) accepts none.
 */
export async function operatorSignIn(
  ctx: ServiceContext,
  presented: string,
  ip: string | null,
): Promise<{ ok: true; token: string; session: SessionRow } | { ok: false; reason: "invalid" } | ({ ok: false; reason: "throttled" } & Throttled)> {
  const throttled = await takeOperatorSignIn(ctx, ip);
  if (throttled) return { ok: false, reason: "throttled", ...throttled };
  const expected = ctx.env.ADMIN_TOKEN;
  if (!expected || expected.length < 16 || presented.length === 0 || !(await timingSafeEqualStrings(presented, expected)))
    return { ok: false, reason: "invalid" };
  await operatorSignInSucceeded(ctx, ip);
  return { ok: true, ...(await createOperatorSession(ctx)) };
}
