export { createEngine, selectEngineName } from "./registry";
export type { EngineImage, EngineInput, EngineResult, Engine } from "./types";
