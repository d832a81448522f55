import { DurableObject } from "cloudflare:workers";
import { now } from "../../lib/clock";
import type { SignInGateRpc, ThrottleRule, ThrottleState } from "./types";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (action TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS events_action_at ON events (action, at);
CREATE TABLE IF NOT EXISTS windows (action TEXT PRIMARY KEY, window_ms INTEGER NOT NULL);
`;

/**
 * Sign-in throttling: a sliding-window log of events per action, one SQLite-backed object per
 * subject (`email:<sha256>` or `ip:<address or /64>`, see src/services/users/throttle.ts).
 * Every RPC is synchronous SQL, so the input gate serializes callers and a burst of parallel
 * guesses is counted exactly. An alarm deletes events once their window has passed and drops
 * the object's storage when nothing is left, so idle subjects cost nothing.
 */
export class SignInGate extends DurableObject<Env> implements SignInGateRpc {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
  }

  /**
   * A refused event is not recorded: the log of an action never holds more than `limit` events
   * per window, however hard a subject is hammered. Counting and inserting happen before the
   * first await, so parallel hits are judged one after the other.
   */
  async hit(rule: ThrottleRule): Promise<ThrottleState> {
    const count = this.count(rule);
    if (count >= rule.limit) return this.refused(rule, count);
    this.sql.exec("INSERT INTO events (action, at) VALUES (?, ?)", rule.action, rule.at);
    this.sql.exec(
      "INSERT INTO windows (action, window_ms) VALUES (?, ?) ON CONFLICT(action) DO UPDATE SET window_ms = max(window_ms, excluded.window_ms)",
      rule.action,
      rule.windowMs,
    );
    await this.scheduleCleanup(rule.at + rule.windowMs);
    return { allowed: true, count: count + 1, retryAfterSeconds: 0 };
  }

  clear(action: string): void {
    this.sql.exec("DELETE FROM events WHERE action = ?", action);
  }

  forgetOne(action: string): void {
    this.sql.exec("DELETE FROM events WHERE rowid = (SELECT rowid FROM events WHERE action = ? ORDER BY at DESC LIMIT 1)", action);
  }

  override async alarm(): Promise<void> {
    this.sql.exec("DELETE FROM events WHERE at <= ? - (SELECT window_ms FROM windows w WHERE w.action = events.action)", now());
    const next = this.sql
      .exec<{ until: number | null }>("SELECT max(e.at + w.window_ms) AS until FROM events e JOIN windows w ON w.action = e.action")
      .toArray()[0]?.until;
    if (next === null || next === undefined) await this.ctx.storage.deleteAll();
    else await this.ctx.storage.setAlarm(next + 1);
  }

  private count(rule: ThrottleRule): number {
    const row = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events WHERE action = ? AND at > ?", rule.action, rule.at - rule.windowMs).toArray()[0];
    return row?.n ?? 0;
  }

  /** One more event is allowed once enough of the oldest events in the window have left it. */
  private refused(rule: ThrottleRule, count: number): ThrottleState {
    const mustLeave = count - rule.limit + 1;
    const freeingAt = this.sql
      .exec<{ at: number }>(
        "SELECT at FROM events WHERE action = ? AND at > ? ORDER BY at ASC LIMIT 1 OFFSET ?",
        rule.action,
        rule.at - rule.windowMs,
        mustLeave - 1,
      )
      .toArray()[0]?.at;
    const waitMs = freeingAt === undefined ? rule.windowMs : freeingAt + rule.windowMs - rule.at;
    return { allowed: false, count, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  private async scheduleCleanup(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current < at) await this.ctx.storage.setAlarm(at + 1);
  }
}
