export type { NormalizedProductImage } from "./images-input";
export { normalizeProductImages } from "./images-input";
export type { ProductImageRef, ProductRecord } from "./products";
export {
  deleteProduct,
  expiryFor,
  getProduct,
  listProducts,
  newOneshotExternalId,
  presentProduct,
  productStats,
  RELEASED_IMAGE_GRACE_MS,
  RESERVED_PREFIX,
  resolveProductImage,
  upsertProduct,
} from "./products";
