export type { FashnApiError } from "./api-errors";
export { fashnInternalError, toFashnApiError } from "./api-errors";
export type { FashnRunAccepted } from "./predictions";
export { creditsView, fashnCallbackPayload, predictionStatus, runPrediction } from "./predictions";
export { FASHN_ERROR_NAMES, fashnErrorName } from "./present";
