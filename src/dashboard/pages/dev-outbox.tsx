import { Hono } from "hono";
import { listDevOutboxMessages } from "../../services/email";
import { Time } from "../components/time";
import { dashContext } from "../context";
import type { DashEnv } from "../env";
import { devOutboxEnabled, renderCard, renderPage } from "../render";
import { notFoundPage } from "./errors";

const LINK = /(https?:\/\/[^\s<>"]+)/g;

/** The text of an email with its links clickable (the text is escaped by JSX; only URLs become anchors). */
function Linked(props: { text: string }) {
  const parts = props.text.split(LINK);
  return <pre class="email-text">{parts.map((part, i) => (i % 2 === 1 ? <a href={part}>{part}</a> : part))}</pre>;
}

/**
 * Development only: the emails the dev outbox "sent", newest first, so a local user can verify
 * an address or reset a password without a mail server. It needs no sign-in (the person
 * verifying is not signed in yet) and answers 404 wherever the outbox is not the sender.
 */
export const devOutboxPages = new Hono<DashEnv>().get("/dev/outbox", async (c) => {
  if (!devOutboxEnabled(c)) return notFoundPage(c);
  const messages = await listDevOutboxMessages(dashContext(c));
  const content = (
    <>
      <p class="muted">Development only: email is stored here instead of being sent. This page does not exist in a deployment.</p>
      {messages.length === 0 ? <p>No email yet.</p> : null}
      {messages.map((m) => (
        <article class="email" aria-label={m.subject}>
          <h2>{m.subject}</h2>
          <p class="muted">
            {`To ${m.to} · `}
            <Time ms={m.createdAt} />
          </p>
          <Linked text={m.text} />
        </article>
      ))}
    </>
  );
  return c.get("signedIn") ? renderPage(c, "Dev outbox", content) : renderCard(c, "Dev outbox", content, { wide: true });
});
