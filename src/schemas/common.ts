import { z } from "@hono/zod-openapi";
import { KEEP_FOR_DAYS_CHOICES } from "../lib/retention-days";

/** The query of every list: `limit` 1–200 (default 50) and the `cursor` a previous page returned (docs/pagination.md). */
export const PaginationQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(50)
    .openapi({ param: { name: "limit", in: "query" }, example: 50 }),
  cursor: z
    .string()
    .max(512)
    .optional()
    .openapi({ param: { name: "cursor", in: "query" }, description: "`nextCursor` of the previous page, unchanged (opaque)." }),
});

/** The fields of every list reply. */
export function pageFields<T extends z.ZodType>(item: T) {
  return {
    items: z.array(item),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` to get the next page; null on the last page." }),
    hasMore: z.boolean(),
    count: z.number().int().openapi({ description: "Number of items in this page." }),
  };
}

/** A list reply: `{items, nextCursor, hasMore, count}`, named `name` in the OpenAPI document. */
export function paginated<T extends z.ZodType>(item: T, name: string) {
  return z.object(pageFields(item)).openapi(name);
}

/** On every API object and webhook payload: false for test mode (docs/test-mode.md). */
export const LivemodeSchema = z.boolean().openapi({ description: "False for an object of test mode (made with a `dr_test_` key); true in live mode." });

export const IsoDate = z.string().openapi({ format: "date-time", example: "2026-11-25T08:00:00.000Z" });

/** A UTF-16 code unit of a surrogate pair that has no partner: not a character, and not storable as text. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * An identifier the client chooses (product `externalId`, `externalUserId`):
 * 1–256 characters of text. Control characters and lone surrogates are refused,
 * because the id is stored, compared and put in URLs as UTF-8 text, where a lone
 * surrogate would be replaced and two different ids could become one.
 */
export const ClientIdSchema = z
  .string()
  .min(1)
  .max(256)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses.
  .regex(/^[^\u0000-\u001f\u007f]+$/, "must not contain control characters")
  .refine((s) => !LONE_SURROGATE.test(s), "must be well-formed Unicode (no lone surrogates)");

const [FIRST_KEEP_CHOICE, ...OTHER_KEEP_CHOICES] = KEEP_FOR_DAYS_CHOICES;

/** Days images are kept: one of the retention choices, as a number (a union of literals, as OpenAPI shows it). */
export const KeepForDaysSchema = z.union([z.literal(FIRST_KEEP_CHOICE), ...OTHER_KEEP_CHOICES.map((d) => z.literal(d))]);
