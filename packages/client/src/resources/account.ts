import { type ApiClient, type RequestOptions, unwrap } from "../core.js";
import type { AccountView, CreditBalance } from "../types.js";

export class AccountResource {
  constructor(private readonly api: ApiClient) {}

  /** The calling account: limits, retention, credits and today's usage. */
  get(opts?: RequestOptions): Promise<AccountView> {
    return unwrap(this.api.GET("/tryon/v1/account", { signal: opts?.signal }));
  }

  /** The credit balance: `{creditBalance, reserved, spent}` (reading it is free). */
  credits(opts?: RequestOptions): Promise<CreditBalance> {
    return unwrap(this.api.GET("/tryon/v1/account/credits", { signal: opts?.signal }));
  }
}
