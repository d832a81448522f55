import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { DashEnv } from "../env";
import { renderPage } from "../render";

/** An error page in the dashboard's own look (HTML, not the API's JSON envelope), with the request id to quote. */
export function errorPage(c: Context<DashEnv>, status: ContentfulStatusCode, title: string, message: string, headers?: Record<string, string>): Response {
  const content = (
    <>
      <p>{message}</p>
      <p class="muted">
        Request id: <code>{c.get("requestId")}</code>
      </p>
      <p>
        <a href="/dashboard">Back to the dashboard</a>
      </p>
    </>
  );
  return renderPage(c, title, content, { status, headers });
}

export const notFoundPage = (c: Context<DashEnv>) => errorPage(c, 404, "Page not found", "There is no dashboard page at this address.");
