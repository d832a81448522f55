import type { Context } from "hono";
import { can, type Permission, type SignedIn } from "../../services/users";
import { dataAccountId, signedInOf } from "../context";
import type { DashEnv } from "../env";
import { AREAS } from "../nav";
import { renderPage } from "../render";
import { errorPage } from "./errors";
import { NoAccount } from "./overview";

export interface Allowed {
  signedIn: SignedIn;
  /** The live account: members, settings. */
  accountId: string;
  /** The partition data pages read and write: the live account, or its test twin in test mode (`dataAccountId`). */
  dataAccountId: string;
}

/**
 * The current account when the member's role has `permission`; otherwise the page to answer
 * instead (no account: say so, 403 for a form; a role without it: 403, before anything is read or changed).
 */
export function allowed(c: Context<DashEnv>, permission: Permission): Allowed | Response {
  const signedIn = signedInOf(c);
  const current = signedIn.current;
  // A form posted without an active account (disabled, or membership removed) changed nothing: it must not answer 200.
  if (!current)
    return renderPage(c, AREAS.find((a) => a.permission === permission)?.label ?? "Dashboard", <NoAccount />, { status: c.req.method === "GET" ? 200 : 403 });
  if (!can(current.role, permission)) {
    const label = AREAS.find((a) => a.permission === permission)?.label ?? permission;
    return errorPage(c, 403, "Not allowed", `Your role on this account cannot open ${label}.`);
  }
  return { signedIn, accountId: current.accountId, dataAccountId: dataAccountId(c) };
}

/** Wraps a handler of an area whose every route needs `permission`: the refusal page is answered instead otherwise. */
export function guardedBy(permission: Permission) {
  return (handler: (c: Context<DashEnv>, ok: Allowed) => Promise<Response>) => async (c: Context<DashEnv>) => {
    const ok = allowed(c, permission);
    return ok instanceof Response ? ok : handler(c, ok);
  };
}
