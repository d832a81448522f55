export type { CheckedProductInput } from "./input-checks";
export { checkProductInput, RESERVED_PREFIX } from "./input-checks";
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
  resolveProductImage,
  upsertProduct,
} from "./products";
export type { ProductThumbnail } from "./thumbnails";
export { productThumbnails } from "./thumbnails";
