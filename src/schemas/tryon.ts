import { z } from "@hono/zod-openapi";
import { KEEP_FOR_DAYS_CHOICES } from "../lib/retention-days";
import { MAX_TEST_DELAY_MS, TEST_OUTCOMES } from "../lib/test-directive";
import { TRY_ON_CATEGORIES, TRY_ON_MODES } from "../lib/try-on-options";
import { ClientIdSchema, KeepForDaysSchema } from "./common";
import { ProductInputSchema } from "./products";

/**
 * POST /try-on (and /try-on/sync) body: Genlook's current shape (1.4+) and
 * every deprecated alias (docs/try-on.md). The schema is deliberately permissive
 * about WHICH alias is used; `normalizeTryOnRequest` (services/generations/try-on-request.ts)
 * resolves them into one canonical request and rejects conflicting pairs.
 */
const KeepForDays = KeepForDaysSchema.openapi({
  type: "integer",
  enum: [...KEEP_FOR_DAYS_CHOICES],
  description: `Days the images of this generation are kept (${KEEP_FOR_DAYS_CHOICES.join(", ").replace(/, (\d+)$/, " or $1")}).`,
});

export const PersonImageSourceSchema = z
  .object({
    id: z.string().min(1).max(512).optional().openapi({ description: "An `imageId` from POST /images/upload (recommended).", example: "img_0Abc…" }),
    url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional()
      .openapi({ description: "A public http(s) URL, fetched now; unreachable → 400 CUSTOMER_IMAGE_FETCH_FAILED.", example: "https://cdn.example.com/me.jpg" }),
    fileKey: z.string().min(1).max(200).optional().openapi({ description: "Multipart only: the form part holding the photo.", example: "person" }),
  })
  .openapi("PersonImageSource", { description: "Exactly one of `id`, `url`, `fileKey`." });

const DeprecatedCustomerSchema = PersonImageSourceSchema.extend({
  source: PersonImageSourceSchema.optional(),
}).openapi("DeprecatedCustomer", { description: "Deprecated (≤ 1.3): use `person.image.source`." });

const Category = z.enum(TRY_ON_CATEGORIES);
const Mode = z.enum(TRY_ON_MODES);
const UserId = ClientIdSchema;
const WebhookUrl = z.url({ protocol: /^https?$/ }).max(2048);

export const TestDirectiveSchema = z
  .object({
    outcome: z.enum(TEST_OUTCOMES).default("completed").openapi({ description: "`completed`, or the runtime error code the generation should fail with." }),
    delayMs: z
      .number()
      .int()
      .min(0)
      .max(MAX_TEST_DELAY_MS)
      .default(0)
      .openapi({ description: `How long the generation stays PROCESSING first (0–${MAX_TEST_DELAY_MS} ms).` }),
  })
  .openapi("TestDirective", {
    description: "Test mode only (a `dr_test_` key; a live key gets 400 VALIDATION_FAILED): force this generation's outcome and timing (docs/test-mode.md).",
  });

export const TryOnRequestSchema = z
  .object({
    products: z.array(ProductInputSchema).length(1, "products must hold exactly one item (multi-product try-on is not available yet)").optional().openapi({
      description:
        "Exactly one product: `{externalId}` alone references a stored product; `{externalId, title?, images…}` upserts it inline (lives 15 days from last use); no `externalId` makes a one-shot `_anon_…` product (7 days).",
    }),
    product: ProductInputSchema.optional().openapi({ description: "Deprecated: use `products: [ … ]`." }),
    person: z
      .object({ image: z.object({ source: PersonImageSourceSchema.optional() }).optional() })
      .optional()
      .openapi({ description: "The person photo: `{image: {source: {id | url | fileKey}}}`." }),
    customer: DeprecatedCustomerSchema.optional(),
    externalUserId: UserId.nullish().openapi({ description: "Your opaque end-user id (no PII): attribution and the GDPR erase key.", example: "user_123" }),
    customerId: UserId.nullish().openapi({ deprecated: true, description: "Deprecated: use `externalUserId`." }),
    output: z
      .object({
        watermark: z.boolean().nullish().openapi({
          description:
            "Stamp the account logo (set by the operator or in the dashboard settings) into the bottom-right corner of the result, at 18% of its width, alpha-blended; the stamped result is a JPEG. Without an account logo, or for a result the Worker cannot decode (HEIC, over the decode budget), the result is stored unchanged (docs/try-on.md, Watermark).",
        }),
        keepForDays: KeepForDays.nullish(),
      })
      .optional(),
    useWatermark: z.boolean().nullish().openapi({ deprecated: true, description: "Deprecated: use `output.watermark` (same effect)." }),
    retentionDays: KeepForDays.nullish().openapi({ deprecated: true, description: "Deprecated: use `output.keepForDays`." }),
    webhookUrl: WebhookUrl.nullish().openapi({ description: "One-off https callback for this generation (signed with the account's default secret)." }),
    webhook_url: WebhookUrl.nullish().openapi({ deprecated: true, description: "Alias of `webhookUrl`." }),
    category: Category.optional().openapi({ description: "Engine hint (default `auto`)." }),
    mode: Mode.optional().openapi({ description: "Engine hint: speed vs quality." }),
    seed: z.number().int().min(0).max(4294967295).optional().openapi({ description: "Engine hint: seed for reproducible results." }),
    test: TestDirectiveSchema.optional(),
  })
  .openapi("TryOnRequest");

export type TryOnRequestBody = z.infer<typeof TryOnRequestSchema>;

/** Multipart form: `data` is the JSON body above; every `fileKey` names another part. */
export const TryOnMultipartSchema = z
  .object({
    data: z.string().openapi({ description: "The JSON request body (as in application/json)." }),
  })
  .catchall(z.any().openapi({ type: "string", format: "binary", description: "A file part named by a `fileKey`." }))
  .openapi("TryOnMultipart");
