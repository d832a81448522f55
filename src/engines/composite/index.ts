export { createCompositeEngine } from "./engine";
export { imagesBindingShrinker } from "./shrink";
export { markAsTest, TEST_MARK_RED, testMarkBox } from "./test-mark";
