export { imagesBindingShrinker, logoDecodes, type StampOutcome, stampLogo, watermarkBox } from "./composite";
export { createEngine, isEngineName, selectEngineName, selectEngineNames } from "./registry";
export type { Engine, EngineCost, EngineImage, EngineInput, EngineResult } from "./types";
export type { AiBinding } from "./workers-ai";
