export { getConfig, ENGINE_NAMES, effectiveBurst } from "./config";
export type { AppConfig, EngineName } from "./config";
export { deploymentProblems } from "./deployment-check";
