export type { FetchLike } from "./engine";
export { createFashnEngine } from "./engine";
