import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** People who sign in to the dashboard (docs/dashboard.md → Identity). */
export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  /** Lower-cased and trimmed before it is stored or looked up. */
  email: text("email").notNull().unique(),
  /** `pbkdf2-sha256$<version>$<iterations>$<salt>$<hash>` (src/services/users/passwords.ts). */
  passwordHash: text("password_hash").notNull(),
  emailVerifiedAt: integer("email_verified_at"),
  isOperator: integer("is_operator", { mode: "boolean" }).notNull().default(false),
  /**
   * The account this user's open sign-up created: its starting credits are granted at sign-up and
   * again (idempotently, by ledger reference) at verification, in case the first grant failed.
   */
  signupAccountId: text("signup_account_id"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const MEMBER_ROLES = ["owner", "developer"] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

export const memberships = sqliteTable(
  "memberships",
  {
    accountId: text("account_id").notNull(),
    userId: text("user_id").notNull(),
    role: text("role", { enum: MEMBER_ROLES }).notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);

export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    /** SHA-256 hex of the cookie's token; the token itself is never stored. */
    tokenHash: text("token_hash").notNull().unique(),
    /** null for an operator session minted with ADMIN_TOKEN (no user behind it). */
    userId: text("user_id"),
    /** user | operator: an operator session only opens /dashboard/operator. */
    kind: text("kind", { enum: ["user", "operator"] })
      .notNull()
      .default("user"),
    /** The account the switcher selected; re-checked against memberships on every request. */
    currentAccountId: text("current_account_id"),
    /** Per-session CSRF token, echoed by every form (not a credential on its own). */
    csrfToken: text("csrf_token").notNull(),
    createdAt: integer("created_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    /** Absolute expiry (created + 30 d, or 1 h for an operator session). */
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    /**
     * When the user last proved who they are again inside this session (password or passkey):
     * sensitive actions (revealing a secret) ask for it within a few minutes.
     */
    reauthAt: integer("reauth_at"),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_idx").on(t.expiresAt)],
);

export const EMAIL_TOKEN_PURPOSES = ["verify_email", "reset_password"] as const;
export type EmailTokenPurpose = (typeof EMAIL_TOKEN_PURPOSES)[number];

/** Single-use links sent by email; only their SHA-256 is stored. */
export const emailTokens = sqliteTable(
  "email_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id").notNull(),
    purpose: text("purpose", { enum: EMAIL_TOKEN_PURPOSES }).notNull(),
    /** The address the link was sent to: verifying it verifies this address only. */
    email: text("email").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [index("email_tokens_user_idx").on(t.userId, t.purpose), index("email_tokens_expires_idx").on(t.expiresAt)],
);

export const invites = sqliteTable(
  "invites",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    email: text("email").notNull(),
    role: text("role", { enum: MEMBER_ROLES }).notNull(),
    /** SHA-256 hex of the invite link's token. */
    tokenHash: text("token_hash").notNull().unique(),
    /** null when an operator sent it. */
    invitedByUserId: text("invited_by_user_id"),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    acceptedAt: integer("accepted_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("invites_account_idx").on(t.accountId, t.id)],
);

/** WebAuthn credentials (a second way to sign in). */
export const passkeys = sqliteTable(
  "passkeys",
  {
    /** The credential id (base64url), as the authenticator names it. */
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    /** COSE public key, base64url. */
    publicKey: text("public_key").notNull(),
    /** Signature counter: a value that goes backwards suggests a cloned authenticator. */
    counter: integer("counter").notNull().default(0),
    /** JSON array of transports the browser reported. */
    transports: text("transports"),
    name: text("name").notNull(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [index("passkeys_user_idx").on(t.userId)],
);

/** Pending WebAuthn ceremonies: a challenge is used once and expires in minutes. */
export const webauthnChallenges = sqliteTable(
  "webauthn_challenges",
  {
    id: text("id").primaryKey(),
    challenge: text("challenge").notNull(),
    /** Set for registration (the signed-in user); null for a sign-in ceremony. */
    userId: text("user_id"),
    purpose: text("purpose", { enum: ["register", "authenticate"] }).notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("webauthn_challenges_expires_idx").on(t.expiresAt)],
);

/** Development only: every email the dev sender "sent", shown at /dashboard/dev/outbox. */
export const devOutbox = sqliteTable(
  "dev_outbox",
  {
    id: text("id").primaryKey(),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    html: text("html").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("dev_outbox_created_idx").on(t.createdAt)],
);

/**
 * Idempotent dashboard forms (docs/dashboard.md → Idempotent forms): each rendered form carries a
 * random `_idem` token; the first POST with it claims this row and records its answer, a second
 * POST with the same token (a double submit) gets that answer instead of doing the work again.
 */
export const formSubmissions = sqliteTable(
  "form_submissions",
  {
    /** The session that posted the form: a token only ever answers its own session. */
    sessionId: text("session_id").notNull(),
    token: text("token").notNull(),
    /** null while the first POST is still running. */
    status: integer("status"),
    /** The answer's Location (a redirect) and replayed cookies (the flash), JSON. */
    headers: text("headers", { mode: "json" }).$type<Array<[string, string]>>(),
    /** The answer's HTML, sealed with the at-rest key (a page may show a secret once); null for a redirect. */
    body: text("body"),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.token] }), index("form_submissions_expires_idx").on(t.expiresAt)],
);
