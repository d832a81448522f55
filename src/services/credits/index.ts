export type { RecordOutcome } from "./credits";
export {
  creditStateAfter,
  getCreditLedger,
  getCreditSummary,
  grantCredits,
  recordGeneration,
  reserveCredit,
  setTestBalance,
  settle,
  withdrawCredit,
} from "./credits";
export { reconcileCredits } from "./reconcile";
