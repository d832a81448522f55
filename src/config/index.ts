export type { AppConfig, EngineName } from "./config";
export { COMPOSITE_DEFAULT_MAX_INPUT_PIXELS, ENGINE_NAMES, effectiveBurst, getConfig } from "./config";
export { deploymentProblems } from "./deployment-check";
