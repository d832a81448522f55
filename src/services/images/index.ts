export { RETENTION_CLASSES, getImage, presentImage, storeImage, discardImage, readImageBytes, signedImageUrl, toStoredImage } from "./images";
export type { KeepForDays, StoredImage } from "./images";
export { checkProductImages, inspectPart, missingPart } from "./parts";
export type { CheckedPart } from "./parts";
