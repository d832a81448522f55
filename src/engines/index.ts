export { createEngine, selectEngineName } from "./registry";
export type { Engine, EngineImage, EngineInput, EngineResult } from "./types";
