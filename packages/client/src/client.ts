import { createApiClient, type DrapeOptions } from "./core.js";
import { AccountResource } from "./resources/account.js";
import { CustomersResource } from "./resources/customers.js";
import { GenerationsResource } from "./resources/generations.js";
import { ImagesResource } from "./resources/images.js";
import { ProductsResource } from "./resources/products.js";
import { TryOnResource } from "./resources/try-on.js";
import { WebhooksResource } from "./resources/webhooks.js";

/** Key prefixes by mode: `dr_live_` keys act on live data and credits, `dr_test_` keys on test mode's. */
const LIVE_PREFIX = "dr_live_";
const TEST_PREFIX = "dr_test_";

/**
 * The Drape API client.
 *
 * ```ts
 * const drape = new Drape({ apiKey: process.env.DRAPE_API_KEY, baseUrl: "https://drape.example.com" });
 * const image = await drape.images.upload(photoBlob);
 * const generation = await drape.tryOn.run({ person: { image: { source: { id: image.imageId } } }, products: [{ externalId: "shirt-42" }] });
 * ```
 *
 * Every call returns its data or throws a DrapeError; 429, 503 and network failures are retried
 * (honouring `Retry-After`), and every POST carries an `Idempotency-Key` reused by its retries.
 */
export class Drape {
  readonly account: AccountResource;
  readonly images: ImagesResource;
  readonly products: ProductsResource;
  readonly tryOn: TryOnResource;
  readonly generations: GenerationsResource;
  readonly customers: CustomersResource;
  readonly webhooks: WebhooksResource;
  /**
   * True for a live key (`dr_live_…`), false for a test key (`dr_test_…`), undefined for a key of
   * another shape: known before any call, so code can refuse to run, say, a bulk job with the
   * wrong key. Response objects of a deployment with test mode also say `livemode` themselves.
   */
  readonly livemode: boolean | undefined;

  constructor(opts: DrapeOptions) {
    const api = createApiClient(opts);
    this.livemode = opts.apiKey.startsWith(LIVE_PREFIX) ? true : opts.apiKey.startsWith(TEST_PREFIX) ? false : undefined;
    this.account = new AccountResource(api);
    this.images = new ImagesResource(api);
    this.products = new ProductsResource(api);
    this.generations = new GenerationsResource(api);
    this.tryOn = new TryOnResource(api, this.generations);
    this.customers = new CustomersResource(api);
    this.webhooks = new WebhooksResource(api);
  }
}
