export { deleteProduct, getProduct, listProducts, presentProduct, productStats, upsertProduct, resolveProductImage, expiryFor, newOneshotExternalId, RESERVED_PREFIX, RELEASED_IMAGE_GRACE_MS } from "./products";
export type { ProductImageRef, ProductRecord } from "./products";
