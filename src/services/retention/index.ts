export { sweepRetention } from "./purge";
