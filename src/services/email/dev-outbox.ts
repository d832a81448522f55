import type { ServiceContext } from "../../context";
import { type DevOutboxRow, insertDevOutboxMessage, listDevOutbox } from "../../db/repo/dev-outbox";
import { newId } from "../../lib/ids";
import { log } from "../../lib/logger";
import type { EmailSender, OutgoingEmail } from "./types";

export type DevOutboxMessage = DevOutboxRow;

const FIRST_LINK = /https?:\/\/\S+/;

/**
 * Development sender: keeps the message in D1 (shown at /dashboard/dev/outbox) and prints one
 * log line with its first link, which is what `npm start` shows in the terminal. The link holds
 * a live token, which is why this sender is refused in a deployment (src/config/deployment-check.ts).
 */
export class DevOutboxSender implements EmailSender {
  readonly kind = "outbox" as const;

  constructor(private readonly ctx: ServiceContext) {}

  async send(message: OutgoingEmail): Promise<void> {
    const id = newId("email", this.ctx.now());
    await insertDevOutboxMessage(this.ctx.db, { id, ...message, createdAt: this.ctx.now() });
    log("info", "dev outbox: email stored", { to: message.to, subject: message.subject, link: FIRST_LINK.exec(message.text)?.[0] ?? null });
  }
}

/** The newest messages of the dev outbox. */
export function listDevOutboxMessages(ctx: ServiceContext, limit = 50): Promise<DevOutboxMessage[]> {
  return listDevOutbox(ctx.db, limit);
}
