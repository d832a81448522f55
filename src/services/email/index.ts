export type { SendEmailBinding } from "./cloudflare";
export { CloudflareEmailSender } from "./cloudflare";
export type { DevOutboxMessage } from "./dev-outbox";
export { DevOutboxSender, listDevOutboxMessages } from "./dev-outbox";
export { emailSender } from "./sender";
export type { EmailSender, OutgoingEmail } from "./types";
