import { ApiError } from "../errors";
import { authOf, serviceContext } from "../http/context";
import { readJsonOrMultipart } from "../http/multipart";
import { createRouter } from "../http/router";
import { ignoredFields, ignoredFieldsHeader, parseOrThrow } from "../http/validation";
import { PaginationQuerySchema } from "../schemas/common";
import { API_KEY_SECURITY, defineRoute } from "../schemas/errors";
import {
  ProductDeletedSchema,
  ProductIdParamSchema,
  ProductInputSchema,
  ProductListSchema,
  ProductSchema,
  ProductStatsQuerySchema,
  ProductStatsSchema,
  statsBoundMs,
} from "../schemas/products";
import { deleteProduct, getProduct, listProducts, presentProduct, productStats, upsertProduct } from "../services/products";

const security = API_KEY_SECURITY;
const INPUT_REF = { $ref: "#/components/schemas/ProductInput" } as const;

const upsert = defineRoute({
  method: "post",
  path: "/products",
  operationId: "upsertProduct",
  tags: ["Products"],
  security,
  summary: "Create or partially update a product (JSON or multipart)",
  description:
    "Matched on (account, externalId). Omitted fields are kept; `images` replaces the list. JSON for URL images; multipart/form-data for bytes: the JSON travels in the `data` field and each `fileKey` names another part. Accepts `images:[{source:{url|fileKey}, classifications?}]`, the deprecated `images:[{url}|{fileKey}]` and `imageUrls:[…]`.",
  request: {
    body: {
      required: true,
      content: {
        "application/json": { schema: INPUT_REF },
        "multipart/form-data": {
          schema: {
            type: "object",
            required: ["data"],
            properties: {
              data: { type: "string", description: "The ProductInput JSON, as text." },
            },
            additionalProperties: { type: "string", format: "binary", description: "One part per fileKey." },
          },
        },
      },
    },
  },
  responses: {
    200: { description: "The product as stored", content: { "application/json": { schema: ProductSchema } } },
  },
  errors: [
    "EXTERNAL_ID_REQUIRED",
    "PRODUCT_IMAGES_REQUIRED",
    "INVALID_IMAGE_INPUT",
    "MULTIPART_FILE_NOT_FOUND",
    "INVALID_IMAGE",
    "UNSUPPORTED_IMAGE_TYPE",
    "IMAGE_DIMENSIONS_OUT_OF_RANGE",
    "RESERVED_EXTERNAL_ID",
    "FILE_TOO_LARGE",
  ],
});

const list = defineRoute({
  method: "get",
  path: "/products",
  operationId: "listProducts",
  tags: ["Products"],
  security,
  summary: "List products (cursor pagination, newest first; one-shot products are not listed)",
  request: { query: PaginationQuerySchema },
  responses: {
    200: { description: "A page of products", content: { "application/json": { schema: ProductListSchema } } },
  },
  errors: [],
});

const getOne = defineRoute({
  method: "get",
  path: "/products/{externalId}",
  operationId: "getProduct",
  tags: ["Products"],
  security,
  summary: "One product (also `_anon_…` one-shot ids)",
  request: { params: ProductIdParamSchema },
  responses: {
    200: { description: "The product", content: { "application/json": { schema: ProductSchema } } },
  },
  errors: ["PRODUCT_NOT_FOUND"],
});

const remove = defineRoute({
  method: "delete",
  path: "/products/{externalId}",
  operationId: "deleteProduct",
  tags: ["Products"],
  security,
  summary: "Delete a product (past generations keep their snapshot)",
  request: { params: ProductIdParamSchema },
  responses: {
    200: { description: "Deleted", content: { "application/json": { schema: ProductDeletedSchema } } },
  },
  errors: ["PRODUCT_NOT_FOUND"],
});

const stats = defineRoute({
  method: "get",
  path: "/products/{externalId}/stats",
  operationId: "getProductStats",
  tags: ["Products"],
  security,
  summary: "Generation counts and average time for a product, optionally between `from` and `to` (inclusive)",
  request: { params: ProductIdParamSchema, query: ProductStatsQuerySchema },
  responses: {
    200: { description: "Stats", content: { "application/json": { schema: ProductStatsSchema } } },
  },
  errors: ["PRODUCT_NOT_FOUND"],
});

const router = createRouter();
router.openAPIRegistry.register("ProductInput", ProductInputSchema);

export const productRoutes = router
  .openapi(upsert, async (c) => {
    const auth = authOf(c);
    const { raw, files } = await readJsonOrMultipart(c, {
      missingData: "A multipart product request carries its JSON in a `data` field.",
      unsupported: "Send application/json, or multipart/form-data with a `data` field.",
    });
    const input = parseOrThrow(ProductInputSchema, raw);
    const ignored = ignoredFields(raw, input);
    if (ignored.length > 0) c.header("x-ignored-fields", ignoredFieldsHeader(ignored));
    if (!input.externalId) throw new ApiError("EXTERNAL_ID_REQUIRED", "POST /products needs an `externalId`.");
    const record = await upsertProduct(serviceContext(c), auth.accountId, input, { kind: "registered", ...(files ? { files } : {}) });
    return c.json(presentProduct(record), 200);
  })
  .openapi(list, async (c) => {
    const auth = authOf(c);
    const page = await listProducts(serviceContext(c), auth.accountId, c.req.valid("query"));
    return c.json({ ...page, items: page.items.map(presentProduct) }, 200);
  })
  .openapi(stats, async (c) => {
    const auth = authOf(c);
    const { externalId } = c.req.valid("param");
    const { from, to } = c.req.valid("query");
    const range = { from: from ? statsBoundMs(from, "from") : undefined, to: to ? statsBoundMs(to, "to") : undefined };
    if (range.from !== undefined && range.to !== undefined && range.from > range.to) {
      throw new ApiError("VALIDATION_FAILED", "`from` must not be after `to`.", { details: [{ path: "from", message: "after to" }] });
    }
    return c.json(await productStats(serviceContext(c), auth.accountId, externalId, range), 200);
  })
  .openapi(getOne, async (c) => {
    const auth = authOf(c);
    const { externalId } = c.req.valid("param");
    return c.json(presentProduct(await getProduct(serviceContext(c), auth.accountId, externalId)), 200);
  })
  .openapi(remove, async (c) => {
    const auth = authOf(c);
    const { externalId } = c.req.valid("param");
    await deleteProduct(serviceContext(c), auth.accountId, externalId);
    return c.json({ externalId, livemode: authOf(c).livemode, deleted: true as const }, 200);
  });
