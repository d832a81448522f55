export type { AppConfig, EngineName } from "./config";
export { ENGINE_NAMES, effectiveBurst, emailSenderKind, getConfig, LOCAL_ENVIRONMENTS } from "./config";
export { deploymentProblems, isDeployment } from "./deployment-check";
