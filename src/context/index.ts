export { backgroundContext } from "./background";
export type { ServiceContext } from "./service-context";
