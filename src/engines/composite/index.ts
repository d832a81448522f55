export { createCompositeEngine } from "./engine";
export { imagesBindingShrinker } from "./shrink";
export { markAsTest, TEST_MARK_RED, testMarkBox } from "./test-mark";
export { logoDecodes, type StampOutcome, stampLogo, WATERMARK_MARGIN, WATERMARK_SCALE, watermarkBox } from "./watermark";
