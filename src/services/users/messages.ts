import type { OutgoingEmail } from "../email";

/** The emails of the sign-in flows, in text and HTML (every interpolated value escaped). */
const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

function compose(to: string, rawSubject: string, paragraphs: string[], action: { label: string; url: string }, footer: string): OutgoingEmail {
  // A subject is one header line: control characters (from an account name) become spaces.
  const subject = rawSubject.replace(/\p{Cc}+/gu, " ").slice(0, 200);
  const text = [...paragraphs, `${action.label}: ${action.url}`, footer].join("\n\n");
  const html = [
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    `<p><a href="${escapeHtml(action.url)}">${escapeHtml(action.label)}</a></p>`,
    `<p>${escapeHtml(footer)}</p>`,
  ].join("\n");
  return { to, subject, text, html };
}

const IGNORE = "If you did not ask for this, you can ignore this email.";

export function verifyEmailMessage(to: string, url: string): OutgoingEmail {
  return compose(
    to,
    "Verify your email for Drape",
    ["Confirm this address to finish setting up your Drape account."],
    { label: "Verify your email", url },
    `The link works once, for 24 hours. ${IGNORE}`,
  );
}

export function resetPasswordMessage(to: string, url: string): OutgoingEmail {
  return compose(
    to,
    "Reset your Drape password",
    ["Someone (hopefully you) asked to reset the password of this Drape account."],
    { label: "Choose a new password", url },
    `The link works once, for 1 hour. ${IGNORE}`,
  );
}

/** Sent instead of a verification email when the address already has an account (the page says the same either way). */
export function alreadyRegisteredMessage(to: string, signInUrl: string): OutgoingEmail {
  return compose(
    to,
    "You already have a Drape account",
    [
      "Someone tried to sign up for Drape with this address, which already has an account.",
      "Sign in, or reset your password from the sign-in page if you forgot it.",
    ],
    { label: "Sign in", url: signInUrl },
    IGNORE,
  );
}

export function inviteMessage(to: string, url: string, accountName: string): OutgoingEmail {
  return compose(
    to,
    `You are invited to ${accountName} on Drape`,
    [`You are invited to join the account "${accountName}" on Drape.`],
    { label: "Accept the invitation", url },
    `The link works once, for 7 days. ${IGNORE}`,
  );
}
