export { encodeJpeg } from "./codecs";
export { createCompositeEngine } from "./engine";
export { EngineFailure, type Limits, loadInput, type Shrinker } from "./inputs";
export { applyOrientation, orientedSize, type Rgba, resampleArea } from "./pixels";
export { imagesBindingShrinker } from "./shrink";
export { markAsTest, TEST_MARK_RED, testMarkBox } from "./test-mark";
export { logoDecodes, type StampOutcome, stampLogo, WATERMARK_MARGIN, WATERMARK_SCALE, watermarkBox } from "./watermark";
