export { getMaintenance, setMaintenance } from "./maintenance";
export type { MaintenanceState } from "./maintenance";
