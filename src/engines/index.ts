export { createEngine, isEngineName, selectEngineName, selectEngineNames } from "./registry";
export type { Engine, EngineCost, EngineImage, EngineInput, EngineResult } from "./types";
