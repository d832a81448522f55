import type { ErrorCode } from "../errors";
import { ERROR_CATALOG } from "../errors";
import { apiPath } from "../lib/api-paths";

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
/** Catalog text is Markdown-lite: only `code` spans are rendered. */
const inline = (s: string) => escapeHtml(s).replace(/`([^`]+)`/g, "<code>$1</code>");

/** No script, no outside resource: the page cannot run or load anything. */
export const ERROR_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The page a browser gets at an envelope's `docUrl` (clients get the same entry as JSON). */
export function errorPageHtml(code: ErrorCode): string {
  const e = ERROR_CATALOG[code];
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${code} · Drape API errors</title>
    <style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .2em}dt{font-weight:600}</style>
  </head>
  <body>
    <h1><code>${code}</code></h1>
    <dl>
      <dt>HTTP status</dt><dd>${e.status}</dd>
      <dt>Retry</dt><dd>${e.retryable}</dd>
      <dt>Kind</dt><dd>${e.kind}</dd>
    </dl>
    <p>${inline(e.description)}</p>
    <h2>What to do</h2>
    <p>${inline(e.action)}</p>
    <p><a href="${apiPath("/errors")}">Every error code</a> · <a href="${apiPath("/docs")}">API reference</a></p>
  </body>
</html>
`;
}
