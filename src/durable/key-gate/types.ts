import type { CreditSummary } from "../account-gate";

/** Which shard: the account whose ledger it leases from, and the API key it decides for. */
export interface ShardRef {
  accountId: string;
  keyId: string;
}

/** What a shard holds and has charged, reported when it gives its unused credits back. */
export interface ShardStats {
  /** Unused leased credits still at the shard (0 after a release that reached the account). */
  unused: number;
  held: number;
  committed: number;
  refunded: number;
  usageToday: CreditSummary["usageToday"];
}
