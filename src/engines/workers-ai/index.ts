export { type AiBinding, buildWorkersAiForm, createWorkersAiEngine, type WorkersAiEngineOptions, workersAiModelFor } from "./engine";
export { mapWorkersAiError, NEEDS_ACCOUNT_MESSAGE, WORKERS_AI_ERROR_TABLE } from "./errors";
export { buildTryOnPrompt, PROMPT_LIMITS, PROMPT_VERSION, sanitizePromptText } from "./prompt";
export { outputSize, tiles } from "./size";
