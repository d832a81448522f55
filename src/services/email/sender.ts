import { emailSenderKind } from "../../config";
import type { ServiceContext } from "../../context";
import { ApiError } from "../../errors";
import { CloudflareEmailSender, type SendEmailBinding } from "./cloudflare";
import { DevOutboxSender } from "./dev-outbox";
import type { EmailSender } from "./types";

/**
 * The sender this configuration uses (EMAIL_SENDER; `auto`: the dev outbox locally, Cloudflare
 * in a deployment). A deployment without the binding or EMAIL_FROM never serves (the deployment
 * check), so the error below is only reachable locally with EMAIL_SENDER=cloudflare.
 */
export function emailSender(ctx: ServiceContext): EmailSender {
  if (emailSenderKind(ctx.config) === "outbox") return new DevOutboxSender(ctx);
  const binding = (ctx.env as { EMAIL?: SendEmailBinding }).EMAIL;
  if (!binding || ctx.config.EMAIL_FROM === "") {
    throw new ApiError("SERVICE_MISCONFIGURED", "Email is not configured: set the EMAIL binding and EMAIL_FROM.");
  }
  return new CloudflareEmailSender(binding, ctx.config.EMAIL_FROM);
}
