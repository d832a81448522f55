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
  /** Events inside the window, this one included when it was recorded. */
  count: number;
  /** Seconds until one more event would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

/** The SignInGate's RPC surface (one object per throttled subject: an email hash or a client address). */
export interface SignInGateRpc {
  /** Records one event if it is within the limit (a refused event is not recorded), and answers which. */
  hit(rule: ThrottleRule): Promise<ThrottleState>;
  /** Forgets an action's events (a successful sign-in clears that email's attempts). */
  clear(action: string): void;
  /** Forgets the newest event of an action (an attempt that turned out legitimate). */
  forgetOne(action: string): void;
}
