import type { ServiceContext } from "../../context";
import { claimFormSubmission, findFormSubmission, recordFormSubmission, releaseFormSubmission } from "../../db/repo/form-submissions";
import { atRestKeyring } from "../../lib/at-rest-keys";
import { base64Decode, base64Encode, base64UrlEncode } from "../../lib/base64";
import { describeError, log } from "../../lib/logger";
import { openBytes, sealBytes } from "../../lib/secret-box";
import { HOUR } from "../../lib/time";

/**
 * Idempotent forms (docs/dashboard.md → Idempotent forms). Every state-changing form a page
 * renders carries a fresh random `_idem` token. The first POST with it claims the token for its
 * session and records the answer; a second POST with the same token (a double click, a reload
 * that re-posts, two tabs) does no work and gets the first answer. A browser shows the answer to
 * the LAST of its posts, so the replay must be the full answer: a page that shows a secret once
 * (a new API key) is replayed with that secret, sealed at rest like the API's idempotent answers.
 */
export const FORM_ANSWER_TTL_MS = 24 * HOUR;
/** How long a second POST waits for the first one to finish before it says "still working". */
const WAIT_STEPS = 40;
const WAIT_STEP_MS = 250;
/** Larger answers are not remembered (the form then answers like any repeat: it runs again). */
const MAX_BODY_BYTES = 512 * 1024;

export const FORM_TOKEN = /^[A-Za-z0-9_-]{22,64}$/;

/** A token for one rendered form (128 random bits). */
export function newFormToken(): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(16)));
}

export interface FormAnswer {
  status: number;
  headers: Array<[string, string]>;
  body: string | null;
}

export type FormClaim = { kind: "run" } | { kind: "replay"; answer: FormAnswer } | { kind: "busy" };

const aad = (sessionId: string, token: string) => `dashboard-form:${sessionId}:${token}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Claims `token` for the session, or answers the first POST's outcome. While the first POST is
 * still running, waits for it (a few seconds at most; "busy" after that).
 */
export async function claimFormToken(ctx: ServiceContext, sessionId: string, token: string): Promise<FormClaim> {
  for (let step = 0; step < WAIT_STEPS; step++) {
    const now = ctx.now();
    if (await claimFormSubmission(ctx.db, sessionId, token, now, now + FORM_ANSWER_TTL_MS)) return { kind: "run" };
    const row = await findFormSubmission(ctx.db, sessionId, token, now);
    if (row && row.status !== null) {
      const body = row.body === null ? null : await openBody(ctx, sessionId, token, row.body);
      if (row.body !== null && body === null) return { kind: "busy" };
      return { kind: "replay", answer: { status: row.status, headers: row.headers ?? [], body } };
    }
    // Pending: the first POST is running. Gone: it gave the claim back (refused); claim it next turn.
    if (row) await sleep(WAIT_STEP_MS);
  }
  return { kind: "busy" };
}

/** Records the first POST's answer for the repeats. */
export async function rememberFormAnswer(ctx: ServiceContext, sessionId: string, token: string, answer: FormAnswer): Promise<void> {
  const bytes = answer.body === null ? null : new TextEncoder().encode(answer.body);
  if (bytes && bytes.byteLength > MAX_BODY_BYTES) {
    await releaseFormSubmission(ctx.db, sessionId, token);
    return;
  }
  const sealed = bytes ? base64Encode(await sealBytes(await atRestKeyring(ctx.env), "dashboard-form-answer", bytes, aad(sessionId, token))) : null;
  await recordFormSubmission(ctx.db, sessionId, token, { status: answer.status, headers: answer.headers, body: sealed });
}

/** The first POST changed nothing (refused, or failed): the token is free again. */
export async function releaseFormToken(ctx: ServiceContext, sessionId: string, token: string): Promise<void> {
  await releaseFormSubmission(ctx.db, sessionId, token);
}

async function openBody(ctx: ServiceContext, sessionId: string, token: string, sealed: string): Promise<string | null> {
  try {
    return new TextDecoder().decode(await openBytes(await atRestKeyring(ctx.env), "dashboard-form-answer", base64Decode(sealed), aad(sessionId, token)));
  } catch (err) {
    log("error", "remembered form answer unreadable", { requestId: ctx.requestId, error: describeError(err) });
    return null;
  }
}
