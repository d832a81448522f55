export type { AppConfig, EngineName } from "./config";
export { ENGINE_NAMES, effectiveBurst, getConfig } from "./config";
export { deploymentProblems } from "./deployment-check";
