import type { AppVariables } from "../env";
import type { Mode } from "../lib/modes";
import type { SessionRow, SignedIn } from "../services/users";

export interface Flash {
  kind: "success" | "error" | "info";
  text: string;
}

/** What the dashboard's middleware leaves for its pages (on top of the API's request variables). */
export interface DashVariables extends AppVariables {
  /** The signed-in state, or null when the request carries no live session. */
  signedIn: SignedIn | null;
  /** The operator console's ADMIN_TOKEN session (loaded under /dashboard/operator only), or null. */
  operatorSession: SessionRow | null;
  /** The POSTed form fields (first value of each), read once by the CSRF check. */
  form: Record<string, string>;
  /** The POSTed files (first non-empty one of each field), read with the form. */
  formFiles: Record<string, File>;
  /** The message left by the previous request (a redirect after a POST). */
  flash: Flash | null;
  /** The pre-session CSRF token of a signed-out visitor (double-submit cookie). */
  preSessionCsrf: string | null;
  /** The session's data mode: "test" shows and writes the current account's test twin (docs/test-mode.md). */
  mode: Mode;
  /** The account partition data pages read and write: the current account, or its test twin in test mode. */
  dataAccountId: string | null;
}

export interface DashEnv {
  Bindings: Env;
  Variables: DashVariables;
}
