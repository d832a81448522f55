import type { Context } from "hono";
import type { AppEnv } from "../env";
import { apiPath } from "../lib/api-paths";

/**
 * The interactive API reference (/tryon/v1/docs): Scalar's standalone build,
 * served by Workers static assets from this origin (scripts/build-assets.mjs
 * puts it at DOCS_SCRIPT_PATH), so the page works offline and no third-party
 * script runs on the API's origin. The configuration travels in a JSON data
 * attribute: the page has no inline script, and its CSP allows scripts from
 * 'self' only.
 */
export const DOCS_PATH = apiPath("/docs");
export const DOCS_SCRIPT_PATH = apiPath("/docs/scalar.js");
export const OPENAPI_PATH = apiPath("/openapi.json");

/** Everything that would reach Scalar's services is off: fonts, telemetry, the AI agent, hosted MCP. */
const SCALAR_CONFIGURATION = {
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: "never",
};

/**
 * Scripts: this origin only. Styles: Scalar injects a <style> element and
 * inline style attributes, so 'unsafe-inline' (styles cannot run code).
 * Requests from "Try it": this origin only.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const escapeAttribute = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Drape API reference</title>
  </head>
  <body>
    <script id="api-reference" type="application/json" data-url="${OPENAPI_PATH}" data-configuration="${escapeAttribute(JSON.stringify(SCALAR_CONFIGURATION))}"></script>
    <script src="${DOCS_SCRIPT_PATH}"></script>
  </body>
</html>
`;

export function apiDocsPage(c: Context<AppEnv>): Response {
  return c.html(PAGE, 200, {
    "content-security-policy": DOCS_CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "public, max-age=300",
  });
}
