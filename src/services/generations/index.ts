export { failGeneration } from "./lifecycle";
export { cancelGeneration, listGenerationViews, waitAfterAcceptance } from "./read-and-cancel";
export { PoisonMessageError, backoffSeconds, processDeadLetter, processGenerationMessage } from "./runner";
export type { RunnerDeps } from "./runner";
export { recoverLostMessages, settleStragglers, timeOutOverdue } from "./sweep";
export { createTryOn } from "./try-on";
export type { TryOnAccepted } from "./try-on";
export { loadGenerationView } from "./view";
