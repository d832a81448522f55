/**
 * Plain data crossing the SignInGate RPC boundary. The caller passes the instant (`at`, from its
 * ServiceContext clock) so tests can move time without touching the object.
 */
export interface ThrottleRule {
  /** What is counted, e.g. `sign-in` or `reset`: one object keeps a window per action. */
  action: string;
  /** Most events allowed within the window. */
  limit: number;
  windowMs: number;
  at: number;
}

export interface ThrottleState {
  allowed: boolean;
  /** Events inside the window (after recording, for `hit`). */
  count: number;
  /** Seconds until one more event would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

/** The SignInGate's RPC surface (one object per throttled subject: an email hash or a client address). */
export interface SignInGateRpc {
  /** Whether one more event would be allowed, recording nothing (before checking a password). */
  check(rule: ThrottleRule): ThrottleState;
  /** Records one event, then answers whether it was within the limit. */
  hit(rule: ThrottleRule): Promise<ThrottleState>;
  /** Forgets an action's events (a successful sign-in clears that email's failures). */
  clear(action: string): void;
}
