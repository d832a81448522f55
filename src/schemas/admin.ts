import { z } from "@hono/zod-openapi";
import { ENGINE_NAMES } from "../config";
import { MODES } from "../lib/modes";
import { TRY_ON_CATEGORIES } from "../lib/try-on-options";
import { IsoDate, KeepForDaysSchema, paginated } from "./common";

/** The most engines one fallback list may name. */
export const MAX_ENGINE_LIST = 4;
const EngineList = z
  .array(z.enum(ENGINE_NAMES))
  .min(1)
  .max(MAX_ENGINE_LIST)
  .refine((list) => new Set(list).size === list.length, "engines must not repeat")
  .openapi({
    description: `Ordered engines (1–${MAX_ENGINE_LIST}, distinct): the first runs; each next one takes over when the one before stays unavailable (docs/engines.md).`,
    example: ["fashn", "composite"],
  });
const EngineCategory = z.enum(TRY_ON_CATEGORIES);
const EnginesByCategory = z.partialRecord(EngineCategory, EngineList).openapi({
  description: "Per product category, an ordered engine list that beats `engines` for try-ons of that category.",
  example: { bottoms: ["fashn", "composite"] },
});

const RateLimit = z.number().int().min(1).max(100000);
const Burst = z.number().int().min(1).max(100000);

export const AccountLogoSchema = z
  .object({
    format: z.enum(["jpeg", "png", "webp"]),
    width: z.number().int(),
    height: z.number().int(),
    updatedAt: IsoDate,
  })
  .openapi("AccountLogo", { description: "The logo stamped on results of try-ons with `output.watermark: true` (docs/try-on.md, Watermark)." });

export const AccountSchema = z
  .object({
    id: z.string().openapi({ example: "acc_0Abc…" }),
    name: z.string(),
    status: z.enum(["active", "disabled"]),
    engine: z.enum(ENGINE_NAMES).nullable().openapi({ description: "First engine of `engines`; null lets configuration decide." }),
    engines: z.array(z.enum(ENGINE_NAMES)).nullable().openapi({ description: "Ordered engine list (fallback order); null lets configuration decide." }),
    enginesByCategory: z
      .partialRecord(EngineCategory, z.array(z.enum(ENGINE_NAMES)))
      .nullable()
      .openapi({ description: "Per product category, an ordered engine list that beats `engines`; null: none." }),
    rateLimitPerMinute: z.number().int().nullable(),
    rateLimitBurst: z.number().int().nullable(),
    spendCapPerDay: z.number().int().nullable(),
    retentionDays: z.number().int(),
    logo: AccountLogoSchema.nullable().openapi({ description: "The account logo, or null: `output.watermark` then leaves results unchanged." }),
    createdAt: IsoDate,
    updatedAt: IsoDate,
  })
  .openapi("Account");

export const CreateAccountBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    engine: z
      .enum(ENGINE_NAMES)
      .nullable()
      .optional()
      .openapi({ description: "Shorthand of a one-item `engines` list; null clears the list. Send `engine` or `engines`, not both." }),
    engines: EngineList.nullable().optional(),
    enginesByCategory: EnginesByCategory.nullable().optional(),
    rateLimitPerMinute: RateLimit.nullable().optional(),
    rateLimitBurst: Burst.nullable().optional(),
    spendCapPerDay: z.number().int().min(0).nullable().optional(),
    retentionDays: KeepForDaysSchema.optional(),
  })
  .openapi("CreateAccount");

export const UpdateAccountBody = CreateAccountBody.partial()
  .extend({ status: z.enum(["active", "disabled"]).optional() })
  .openapi("UpdateAccount");

export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: "key_0Abc…" }),
    accountId: z.string(),
    name: z.string(),
    displayPrefix: z.string().openapi({ example: "dr_live_AbCd…" }),
    mode: z.enum(MODES).openapi({ description: "`live`, or `test` for a `dr_test_` key: it sees only the account's test data (docs/test-mode.md)." }),
    rateLimitPerMinute: z.number().int().nullable(),
    rateLimitBurst: z.number().int().nullable(),
    spendCap: z.number().int().nullable(),
    createdAt: IsoDate,
    revokedAt: IsoDate.nullable(),
    expiresAt: IsoDate.nullable().openapi({ description: "Set when the key was rolled: it keeps working until then, and is refused after." }),
    lastUsedAt: IsoDate.nullable().openapi({ description: "When the key last authenticated (recorded at most every 5 minutes); null if never." }),
  })
  .openapi("ApiKey");

export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: "The plaintext key. Shown once; store it now.", example: "dr_live_…" }),
}).openapi("CreatedApiKey");

/** The longest overlap a rolled key may keep working beside its successor: 7 days. */
export const ROLL_OVERLAP_MAX_SECONDS = 7 * 86_400;
/** The overlap when none is chosen: a day, time to deploy the new key everywhere. */
export const ROLL_OVERLAP_DEFAULT_SECONDS = 86_400;

export const RollApiKeyBody = z
  .object({
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(ROLL_OVERLAP_MAX_SECONDS)
      .default(ROLL_OVERLAP_DEFAULT_SECONDS)
      .openapi({
        description: `How long the old key keeps working beside the new one, in seconds: 0 (refused from now on) to ${ROLL_OVERLAP_MAX_SECONDS} (7 days); default ${ROLL_OVERLAP_DEFAULT_SECONDS} (24 h).`,
        example: 3600,
      }),
  })
  .openapi("RollApiKey");

export const RolledApiKeySchema = CreatedApiKeySchema.extend({
  previous: ApiKeySchema.openapi({ description: "The rolled key, with the `expiresAt` its overlap ends at." }),
}).openapi("RolledApiKey");

export const CreateApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(200).default("default"),
    mode: z
      .enum(MODES)
      .default("live")
      .openapi({ description: "`test` issues a `dr_test_` key: free, isolated test data, every outcome on demand (docs/test-mode.md)." }),
    rateLimitPerMinute: RateLimit.nullable().optional(),
    rateLimitBurst: Burst.nullable().optional(),
    spendCap: z.number().int().min(0).nullable().optional(),
  })
  .openapi("CreateApiKey");

export const UpdateApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    rateLimitPerMinute: RateLimit.nullable().optional(),
    rateLimitBurst: Burst.nullable().optional(),
    spendCap: z.number().int().min(0).nullable().optional(),
  })
  .openapi("UpdateApiKey");

export const AccountIdParam = z.object({
  accountId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "accountId", in: "path" }, example: "acc_0Abc…" }),
});

export const KeyIdParams = AccountIdParam.extend({
  keyId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "keyId", in: "path" }, example: "key_0Abc…" }),
});

export const AccountListSchema = paginated(AccountSchema, "AccountList");
export const ApiKeyListSchema = paginated(ApiKeySchema, "ApiKeyList");
