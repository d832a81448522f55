import type { Child } from "hono/jsx";
import { can, type SignedIn } from "../services/users";
import { AccountSwitcher } from "./components/account-switcher";
import { FlashMessage } from "./components/flash";
import { PostForm } from "./components/form";
import type { Flash } from "./env";
import { AREAS, inArea } from "./nav";

export const ASSET_CSS = "/dashboard/app.css";
export const ASSET_JS = "/dashboard/app.js";

function Document(props: { title: string; children?: Child; bodyClass?: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${props.title} · Drape`}</title>
        <link rel="stylesheet" href={ASSET_CSS} />
        <script src={ASSET_JS} defer />
      </head>
      <body class={props.bodyClass}>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        {props.children}
      </body>
    </html>
  );
}

export interface ShellProps {
  title: string;
  signedIn: SignedIn;
  flash: Flash | null;
  csrf: string;
  path: string;
  /** Show the dev outbox link (development only). */
  devOutbox: boolean;
  /** The session shows the account's test data (docs/test-mode.md). */
  testMode: boolean;
  children?: Child;
}

/** The header's test-mode switch: a small form that turns the session's test mode on or off and comes back here. */
function TestModeSwitch(props: { testMode: boolean; csrf: string; path: string }) {
  return (
    <PostForm action="/dashboard/mode" csrf={props.csrf} class="inline-form mode-switch" label="Test mode">
      <input type="hidden" name="mode" value={props.testMode ? "live" : "test"} />
      <input type="hidden" name="next" value={props.path} />
      <button type="submit" class={props.testMode ? "button-small mode-on" : "button-small"} aria-pressed={props.testMode ? "true" : "false"}>
        {props.testMode ? "Test mode: on" : "Test mode: off"}
      </button>
    </PostForm>
  );
}

/** A signed-in page: header (account switcher, user, sign-out), nav of the areas the role may see, content. */
export function Shell(props: ShellProps) {
  const role = props.signedIn.current?.role;
  const areas = role ? AREAS.filter((a) => can(role, a.permission)) : [];
  const linkClass = (active: boolean) => (active ? "nav-link nav-link-current" : "nav-link");
  return (
    <Document title={props.title}>
      <header class="top">
        <a class="brand" href="/dashboard">
          Drape
        </a>
        <AccountSwitcher signedIn={props.signedIn} csrf={props.csrf} path={props.path} />
        {props.signedIn.current ? <TestModeSwitch testMode={props.testMode} csrf={props.csrf} path={props.path} /> : null}
        <div class="who">
          <a href="/dashboard/account" class="who-email">
            {props.signedIn.user.email}
          </a>
          <PostForm action="/dashboard/sign-out" csrf={props.csrf} class="inline-form">
            <button type="submit" class="button-link">
              Sign out
            </button>
          </PostForm>
        </div>
      </header>
      {props.testMode ? (
        <p class="test-banner" role="status" data-testid="test-mode-banner">
          <strong>Test mode</strong>: you see and change this account's test data only. Nothing here touches live data or live credits.
        </p>
      ) : null}
      <div class="frame">
        <nav class="side" aria-label="Dashboard">
          <ul>
            {areas.map((a) => (
              <li>
                <a href={a.path} class={linkClass(inArea(a, props.path))} aria-current={inArea(a, props.path) ? "page" : undefined}>
                  {a.label}
                </a>
              </li>
            ))}
            {props.signedIn.user.isOperator ? (
              <li>
                <a href="/dashboard/operator" class={linkClass(props.path.startsWith("/dashboard/operator"))}>
                  Operator
                </a>
              </li>
            ) : null}
            {props.devOutbox ? (
              <li>
                <a href="/dashboard/dev/outbox" class={linkClass(props.path.startsWith("/dashboard/dev/outbox"))}>
                  Dev outbox
                </a>
              </li>
            ) : null}
          </ul>
        </nav>
        <main id="main" class="content">
          <h1>{props.title}</h1>
          <FlashMessage flash={props.flash} />
          {props.children}
        </main>
      </div>
    </Document>
  );
}

/** A signed-out page (sign-in, sign-up, password reset…): one centered card. */
export function AuthCard(props: { title: string; flash: Flash | null; children?: Child; wide?: boolean }) {
  return (
    <Document title={props.title} bodyClass="auth">
      <main id="main" class={props.wide ? "card card-wide" : "card"}>
        <p class="brand brand-card">Drape</p>
        <h1>{props.title}</h1>
        <FlashMessage flash={props.flash} />
        {props.children}
      </main>
    </Document>
  );
}
