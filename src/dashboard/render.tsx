import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { emailSenderKind, isDeployment } from "../config";
import { csrfToken } from "./context";
import type { DashEnv } from "./env";
import { AuthCard, Shell } from "./layout";

/** The dev outbox exists only where the outbox sender is in use, and never in a deployment. */
export function devOutboxEnabled(c: Context<DashEnv>): boolean {
  const config = c.get("config");
  return !isDeployment(config.ENVIRONMENT) && emailSenderKind(config) === "outbox";
}

interface RenderOptions {
  status?: ContentfulStatusCode;
  headers?: Record<string, string>;
}

function html(c: Context<DashEnv>, element: Child, opts: RenderOptions): Response {
  // Components are synchronous, so the element renders to a string at once.
  const body = `<!doctype html>${String(element)}`;
  return c.html(body, opts.status ?? 200, opts.headers);
}

/** A signed-in page inside the shell (nav, account switcher); a signed-out request gets the card. */
export function renderPage(c: Context<DashEnv>, title: string, content: Child, opts: RenderOptions = {}): Response {
  const signedIn = c.get("signedIn");
  if (!signedIn) return renderCard(c, title, content, opts);
  const path = new URL(c.req.url).pathname;
  const shell = (
    <Shell
      title={title}
      signedIn={signedIn}
      flash={c.get("flash")}
      csrf={csrfToken(c)}
      path={path}
      devOutbox={devOutboxEnabled(c)}
      testMode={c.get("mode") === "test"}
    >
      {content}
    </Shell>
  );
  return html(c, shell, opts);
}

/** A signed-out page (one centered card). */
export function renderCard(c: Context<DashEnv>, title: string, content: Child, opts: RenderOptions & { wide?: boolean } = {}): Response {
  return html(
    c,
    <AuthCard title={title} flash={c.get("flash")} wide={opts.wide}>
      {content}
    </AuthCard>,
    opts,
  );
}
