import type { ApiClient, RequestOptions } from "../core.js";

export class CustomersResource {
  constructor(private readonly api: ApiClient) {}

  /** Erases one end user's photos, results and generations (GDPR). Idempotent. */
  async delete(externalUserId: string, opts?: RequestOptions): Promise<void> {
    await this.api.DELETE("/tryon/v1/customers/{externalUserId}", { params: { path: { externalUserId } }, signal: opts?.signal });
  }
}
