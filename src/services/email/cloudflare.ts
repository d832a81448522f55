import type { EmailSender, OutgoingEmail } from "./types";

/** The shape of the `send_email` binding this sender uses (Cloudflare Email Service's builder form). */
export interface SendEmailBinding {
  send(message: { from: { email: string; name: string }; to: string; subject: string; text: string; html: string }): Promise<unknown>;
}

export const EMAIL_FROM_NAME = "Drape";

/** Production sender: Cloudflare Email Service through the `EMAIL` binding (docs/deployment.md). */
export class CloudflareEmailSender implements EmailSender {
  readonly kind = "cloudflare" as const;

  constructor(
    private readonly binding: SendEmailBinding,
    private readonly from: string,
  ) {}

  async send(message: OutgoingEmail): Promise<void> {
    await this.binding.send({
      from: { email: this.from, name: EMAIL_FROM_NAME },
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
  }
}
