import { backgroundContext } from "../context";
import { recoverLostMessages, settleStragglers, timeOutOverdue } from "../services/generations";
import type { SweepStep } from "./sweep";

/**
 * Generation steps of the every-minute sweep. Each is bounded (a batch per
 * run; the next minute continues) and idempotent: the state changes are
 * conditional UPDATEs, re-enqueued work is claimed with compare-and-set.
 */
export const sweepGenerationTimeouts: SweepStep = (env, now) => timeOutOverdue(backgroundContext(env), now);
export const sweepLostGenerationMessages: SweepStep = (env, now) => recoverLostMessages(backgroundContext(env), now);
export const sweepGenerationSettlements: SweepStep = (env, now) => settleStragglers(backgroundContext(env), now);
