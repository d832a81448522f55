import type { ServiceContext } from "../../context";
import { describeError, log } from "../../lib/logger";
import { grantCredits } from "../credits";

/** The ledger reference of an account's sign-up credits: the ledger refuses a second grant with it. */
export const signupCreditsReference = (accountId: string) => `signup:${accountId}`;

/**
 * Grants an open sign-up's starting credits, at most once per account whatever the retries. A
 * failure (the AccountGate unreachable) is logged, not thrown: email verification tries again.
 */
export async function grantSignupCredits(ctx: ServiceContext, accountId: string): Promise<boolean> {
  const amount = ctx.config.SIGNUP_FREE_CREDITS;
  if (amount <= 0) return true;
  try {
    await grantCredits(ctx, accountId, { amount, reason: "sign-up starting credits", reference: signupCreditsReference(accountId) });
    return true;
  } catch (err) {
    log("error", "sign-up credits not granted (retried at email verification)", { requestId: ctx.requestId, accountId, error: describeError(err) });
    return false;
  }
}
