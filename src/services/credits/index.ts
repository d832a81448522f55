export { creditStateAfter, getCreditLedger, getCreditSummary, grantCredits, reserveCredit, setTestBalance, settle, withdrawCredit } from "./credits";
export { reconcileCredits } from "./reconcile";
