export type { CostLine, CostReport } from "./costs";
export { accountCosts, DEFAULT_COST_DAYS, MAX_COST_DAYS } from "./costs";
