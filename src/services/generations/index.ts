export { cancelRemoteJob, failGeneration } from "./lifecycle";
export { cancelGeneration, listGenerationViews, waitAfterAcceptance } from "./read-and-cancel";
export type { RunnerDeps } from "./runner";
export { backoffSeconds, PoisonMessageError, processDeadLetter, processGenerationMessage } from "./runner";
export { recoverLostMessages, settleStragglers, timeOutOverdue } from "./sweep";
export type { TryOnAccepted } from "./try-on";
export { createTryOn } from "./try-on";
export { loadGenerationView } from "./view";
