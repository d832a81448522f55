/**
 * The credits seam: reserve one credit when a generation is accepted, commit it
 * on COMPLETED, refund it on FAILED (any cause, cancel included). Each call is
 * idempotent by generation id. Backed by the per-account Durable Object.
 *
 * Until the Durable Object work lands these accept everything and record
 * nothing; no balance is ever reported from here.
 */
export interface ReserveCreditInput {
  accountId: string;
  keyId: string;
  generationId: string;
  keySpendCap: number | null;
  accountSpendCapPerDay: number | null;
}

/** Throws ApiError INSUFFICIENT_CREDITS or QUOTA_EXCEEDED when the credit cannot be reserved. */
export async function reserveCredit(_env: Env, _input: ReserveCreditInput): Promise<void> {}

export async function commitCredit(_env: Env, _accountId: string, _generationId: string): Promise<void> {}

export async function refundCredit(_env: Env, _accountId: string, _generationId: string, _reason: string): Promise<void> {}
