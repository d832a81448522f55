export type { AppConfig, EngineName } from "./config";
export { COMPOSITE_DEFAULT_MAX_INPUT_PIXELS, ENGINE_NAMES, effectiveBurst, emailSenderKind, getConfig, LOCAL_ENVIRONMENTS } from "./config";
export { deploymentProblems, isDeployment } from "./deployment-check";
