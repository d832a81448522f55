export type { MaintenanceState } from "./maintenance";
export { getMaintenance, knownMaintenance, setMaintenance } from "./maintenance";
