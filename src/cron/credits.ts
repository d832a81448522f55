import { backgroundContext } from "../context";
import { reconcileCredits } from "../services/credits";
import type { SweepStep } from "./sweep";

/** Settles reservations of terminal generations left unsettled (bounded batch, idempotent). */
export const sweepCreditReconciliation: SweepStep = (env, now) => reconcileCredits(backgroundContext(env), now);
