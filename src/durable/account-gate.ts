import { DurableObject } from "cloudflare:workers";

/**
 * One object per account (SQLite-backed): the account's per-key token buckets,
 * its credit balance and ledger, and its idempotency records, so a request
 * needs one RPC for everything it must decide. Filled by the credits and
 * rate-limits work.
 */
export class AccountGate extends DurableObject<Env> {}
