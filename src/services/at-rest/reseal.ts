import type { ServiceContext } from "../../context";
import * as repo from "../../db/repo/sealed-secrets";
import { atRestKeyring } from "../../lib/at-rest-keys";
import { describeError, log } from "../../lib/logger";
import { cursorCodec } from "../../lib/pagination";
import { type Keyring, openSecret, sealSecret, UnreadableSealError } from "../../lib/secret-box";

/**
 * Completes an at-rest key rotation: webhook signing secrets (an endpoint's,
 * an account's default, and a previous secret still in its overlap) sealed
 * under a previous key, or in the format before key ids, are re-sealed under
 * the current key. Batched and resumable by cursor; a row rotated meanwhile is
 * left alone. Stored idempotent responses are not re-sealed: they expire
 * within 24 h. docs/deployment.md gives the procedure.
 */
const PURPOSE = "webhook-secret";
const TABLES: readonly repo.SealedTable[] = ["webhook_endpoints", "webhook_default_secrets"];

/** Same AAD as src/services/webhooks/secrets.ts: a value opens only for its own row. */
const aadOf = (row: repo.SealedRow) => (row.table === "webhook_endpoints" ? `webhook_endpoints:${row.id}` : `webhook_default_secrets:${row.id}`);

export interface KeyStatus {
  currentKeyId: string;
  previousKeyIds: string[];
  /** Rows with a secret not yet under the current key, per table. */
  stale: Record<repo.SealedTable, number>;
}

export async function atRestKeyStatus(ctx: ServiceContext): Promise<KeyStatus> {
  const ring = await atRestKeyring(ctx.env);
  return {
    currentKeyId: ring.current.id,
    previousKeyIds: ring.previous.map((k) => k.id),
    stale: await repo.countStale(ctx.db, ring.current.id, ctx.now()),
  };
}

export interface ResealResult extends KeyStatus {
  resealed: number;
  /** Rows no key of the ring opens (their key was dropped too early): owners must rotate those secrets. */
  unreadable: Array<{ table: repo.SealedTable; id: string; keyId: string | null }>;
  /** Pass back to continue; null when every stale row has been visited. */
  nextCursor: string | null;
}

/** The position: the table being visited and the last key visited in it. */
const RESEAL_CURSOR = cursorCodec<{ tableIndex: number; after: string | null }>(
  "at-rest-reseal",
  (p) => `${TABLES[p.tableIndex]}:${p.after ?? ""}`,
  (text) => {
    const m = /^([a-z_]+):([A-Za-z0-9_]*)$/.exec(text);
    const tableIndex = TABLES.indexOf(m?.[1] as repo.SealedTable);
    return m && tableIndex >= 0 ? { tableIndex, after: m[2] || null } : null;
  },
);

export async function resealWebhookSecrets(ctx: ServiceContext, input: { limit: number; cursor?: string | undefined }): Promise<ResealResult> {
  const ring = await atRestKeyring(ctx.env);
  const now = ctx.now();
  let { tableIndex, after } = RESEAL_CURSOR.decode(input.cursor) ?? { tableIndex: 0, after: null };
  let budget = input.limit;
  let resealed = 0;
  const unreadable: ResealResult["unreadable"] = [];
  let nextCursor: string | null = null;

  while (tableIndex < TABLES.length && budget > 0) {
    const table = TABLES[tableIndex] as repo.SealedTable;
    const rows = await repo.findStale(ctx.db, table, ring.current.id, now, after, budget);
    for (const row of rows) {
      const outcome = await resealRow(ctx, ring, row, now);
      if (outcome === "resealed") resealed++;
      else if (outcome !== "raced") unreadable.push({ table, id: row.id, keyId: outcome.keyId });
      after = row.id;
      budget--;
    }
    if (budget > 0) {
      tableIndex++;
      after = null;
    } else {
      nextCursor = RESEAL_CURSOR.encode({ tableIndex, after });
    }
  }
  if (resealed > 0 || unreadable.length > 0) log("info", "at-rest reseal batch", { resealed, unreadable: unreadable.length, currentKeyId: ring.current.id });
  return { ...(await atRestKeyStatus(ctx)), resealed, unreadable, nextCursor };
}

async function resealRow(ctx: ServiceContext, ring: Keyring, row: repo.SealedRow, now: number): Promise<"resealed" | "raced" | { keyId: string | null }> {
  const aad = aadOf(row);
  try {
    const secret = await openSecret(ring, PURPOSE, row.secretEnc, aad);
    const previousLive = row.previousSecretEnc !== null && row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt > now;
    let previousSecretEnc: string | null = null;
    if (previousLive && row.previousSecretEnc) {
      // An unreadable previous secret is already skipped when signing; it is dropped rather than kept forever.
      previousSecretEnc = await openSecret(ring, PURPOSE, row.previousSecretEnc, aad).then(
        (prev) => sealSecret(ring, PURPOSE, prev, aad),
        (err: unknown) => {
          if (err instanceof UnreadableSealError) return null;
          throw err;
        },
      );
    }
    const next = {
      secretEnc: await sealSecret(ring, PURPOSE, secret, aad),
      previousSecretEnc,
      previousSecretExpiresAt: previousSecretEnc ? row.previousSecretExpiresAt : null,
    };
    return (await repo.replaceSealed(ctx.db, row, next, now)) ? "resealed" : "raced";
  } catch (err) {
    if (!(err instanceof UnreadableSealError)) throw err;
    log("warn", "at-rest reseal: secret unreadable with the current keys", { table: row.table, id: row.id, keyId: err.keyId, error: describeError(err) });
    return { keyId: err.keyId };
  }
}
