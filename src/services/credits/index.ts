export { creditStateAfter, getCreditLedger, getCreditSummary, grantCredits, reserveCredit, settle, withdrawCredit } from "./credits";
export { reconcileCredits } from "./reconcile";
