/** One message, in both forms: clients that render HTML get `html`, the others `text`. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** The one way the Worker sends email (verification, password reset, invites). */
export interface EmailSender {
  readonly kind: "outbox" | "cloudflare";
  send(message: OutgoingEmail): Promise<void>;
}
