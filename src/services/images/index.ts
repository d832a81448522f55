export type { StoredImage } from "./images";
export { discardImage, getImage, presentImage, RETENTION_CLASSES, readImageBytes, signedImageUrl, storeImage, toStoredImage } from "./images";
export type { CheckedPart } from "./parts";
export { checkProductImages, inspectPart, missingPart } from "./parts";
