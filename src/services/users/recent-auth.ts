import type { ServiceContext } from "../../context";
import { updateSession } from "../../db/repo/sessions";

/**
 * Records that the session's user just proved who they are again (a password re-entered, or a
 * passkey): the "recent auth" steps (revealing a webhook secret) read `sessions.reauth_at`.
 */
export async function markRecentAuth(ctx: ServiceContext, sessionId: string): Promise<void> {
  await updateSession(ctx.db, sessionId, { reauthAt: ctx.now() });
}
