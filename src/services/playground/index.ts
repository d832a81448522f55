export { PLAYGROUND_KEY_NAME, playgroundKey } from "./keys";
