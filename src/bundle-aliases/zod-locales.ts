/**
 * Replaces zod's `locales/index.js` in the deploy bundle (wrangler.toml `[alias]`). Zod exports every
 * locale through the `z.locales` namespace, and because @hono/zod-openapi passes `z` as a value the
 * bundler cannot drop the unused ones: ~260 KB minified. Drape's messages are English only (zod's
 * default, set from `locales/en.js` directly), so the bundle carries `en` alone. Tests run against
 * the full module; the bundle report (`npm run bundle:report`) shows the saving.
 */
export { default as en } from "zod/v4/locales/en.js";
