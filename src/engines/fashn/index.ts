export { createFashnEngine } from "./engine";
export type { FetchLike } from "./engine";
