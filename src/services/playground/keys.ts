import type { ServiceContext } from "../../context";
import * as repo from "../../db/repo/playground-keys";
import { atRestKeyring } from "../../lib/at-rest-keys";
import type { Mode } from "../../lib/modes";
import { openSecret, sealSecret, UnreadableSealError } from "../../lib/secret-box";
import { type ApiKeyRecord, createKeyForAccount, getApiKey, revokeApiKey } from "../accounts";

/** The name the playground's key has in the key list, so an owner recognises (and may revoke) it. */
export const PLAYGROUND_KEY_NAME = "Dashboard playground";

const PURPOSE = "playground-key";
const aad = (accountId: string, mode: Mode, keyId: string) => `playground_keys:${accountId}:${mode}:${keyId}`;

/** A key the API still accepts without an end: not revoked, not rolled (a rolled key expires). */
function usable(key: ApiKeyRecord): boolean {
  return key.revokedAt === null && key.expiresAt === null;
}

/**
 * The plaintext of the account's playground key for `mode`, issued on first use. A key that was
 * revoked or rolled (from the key list), deleted, or sealed under an at-rest key the ring no longer
 * holds is replaced by a new one. Concurrent first uses store one key; the loser revokes its own.
 */
export async function playgroundKey(ctx: ServiceContext, accountId: string, mode: Mode): Promise<string> {
  const ring = await atRestKeyring(ctx.env);
  const row = await repo.findPlaygroundKey(ctx.db, accountId, mode);
  if (row) {
    const key = await getApiKey(ctx, accountId, row.keyId).catch(() => null);
    if (key && usable(key)) {
      try {
        return await openSecret(ring, PURPOSE, row.keyEnc, aad(accountId, mode, row.keyId));
      } catch (err) {
        if (!(err instanceof UnreadableSealError)) throw err;
        // Unreadable: a key nobody can use again is revoked and replaced below.
        await revokeApiKey(ctx, accountId, row.keyId);
      }
    }
  }
  const issued = await createKeyForAccount(ctx, accountId, { name: PLAYGROUND_KEY_NAME, mode });
  const next = {
    accountId,
    mode,
    keyId: issued.record.id,
    keyEnc: await sealSecret(ring, PURPOSE, issued.plaintext, aad(accountId, mode, issued.record.id)),
    createdAt: ctx.now(),
  };
  const stored = row ? await repo.replacePlaygroundKey(ctx.db, next, row.keyId) : await repo.insertPlaygroundKey(ctx.db, next);
  if (stored) return issued.plaintext;
  // Another request stored its key first: use that one, and leave no unused key behind.
  await revokeApiKey(ctx, accountId, issued.record.id);
  const winner = await repo.findPlaygroundKey(ctx.db, accountId, mode);
  if (!winner) throw new Error("playground key vanished after a concurrent store");
  return openSecret(ring, PURPOSE, winner.keyEnc, aad(accountId, mode, winner.keyId));
}
