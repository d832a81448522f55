export { getCreditSummary, creditStateAfter, settle, reserveCredit, withdrawCredit, getCreditLedger, grantCredits } from "./credits";
export { reconcileCredits } from "./reconcile";
