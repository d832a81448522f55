import type { ServiceContext } from "../../context";
import { describeError, log } from "../../lib/logger";
import { emailSender, type OutgoingEmail } from "../email";

/**
 * Sends and never throws: a flow whose answer must not reveal whether an address has an account
 * (sign-up, reset) cannot show a delivery failure that only known addresses could cause. The
 * failure is logged for the operator; the user can ask again.
 */
export async function sendQuietly(ctx: ServiceContext, message: OutgoingEmail, what: string): Promise<void> {
  try {
    await emailSender(ctx).send(message);
  } catch (err) {
    log("error", "email not sent", { requestId: ctx.requestId, what, error: describeError(err) });
  }
}
