export { createCompositeEngine } from "./engine";
export { imagesBindingShrinker } from "./shrink";
