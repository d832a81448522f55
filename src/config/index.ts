export type { AppConfig, EngineName } from "./config";
export { COMPOSITE_DEFAULT_MAX_INPUT_PIXELS, ENGINE_NAMES, effectiveBurst, emailSenderKind, getConfig, LOCAL_ENVIRONMENTS } from "./config";
export { deploymentProblems, isDeployment } from "./deployment-check";
export type { EnginePricing, FashnPrice, PricingOverride, TilePrice, WorkersAiModelId } from "./engine-pricing";
export { DEFAULT_ENGINE_PRICING, resolveEnginePricing, WORKERS_AI_MODEL_IDS } from "./engine-pricing";
export type { WorkersAiModel } from "./workers-ai-models";
export { WORKERS_AI_DEFAULT_MODE, WORKERS_AI_LIMITS, WORKERS_AI_MODELS } from "./workers-ai-models";
