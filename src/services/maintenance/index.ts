export type { MaintenanceState } from "./maintenance";
export { getMaintenance, setMaintenance } from "./maintenance";
