import { DurableObject } from "cloudflare:workers";
import type { BreakerRule, BreakerState, EngineBreakerRpc } from "./types";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS breaker (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  failures INTEGER NOT NULL,
  opened_at INTEGER,
  probe_at INTEGER
);
`;

interface Row extends Record<string, SqlStorageValue> {
  failures: number;
  opened_at: number | null;
  probe_at: number | null;
}

/**
 * A circuit breaker for one engine, shared by every consumer in the fleet (one SQLite-backed
 * object per engine name). Every RPC is synchronous SQL before any await, so the input gate
 * serializes callers: exactly one caller gets the half-open probe.
 *
 * closed → (threshold consecutive outages) → open → (cool-down) → half-open: one probe admitted
 * → success closes, an outage reopens for another cool-down. A probe that never reports (its
 * consumer died) is replaced by another one after a further cool-down.
 */
export class EngineBreaker extends DurableObject<Env> implements EngineBreakerRpc {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
  }

  async admit(rule: BreakerRule): Promise<{ allowed: boolean; state: BreakerState }> {
    const row = this.read();
    if (row.opened_at === null) return { allowed: true, state: this.view(row, rule) };
    const probeDue = Math.max(row.opened_at, row.probe_at ?? row.opened_at) + rule.cooldownMs;
    if (rule.at < probeDue) return { allowed: false, state: this.view(row, rule) };
    const probing = { ...row, probe_at: rule.at };
    this.write(probing);
    return { allowed: true, state: this.view(probing, rule) };
  }

  async report(ok: boolean, rule: BreakerRule): Promise<BreakerState> {
    const row = this.read();
    if (ok) {
      const closed: Row = { failures: 0, opened_at: null, probe_at: null };
      if (row.failures !== 0 || row.opened_at !== null) this.write(closed);
      return this.view(closed, rule);
    }
    const failures = row.failures + 1;
    // A failed probe (half-open) reopens at once; a closed breaker opens at the threshold.
    const reopen = row.opened_at !== null ? row.probe_at !== null : failures >= rule.threshold;
    const next: Row = reopen ? { failures, opened_at: rule.at, probe_at: null } : { ...row, failures };
    this.write(next);
    return this.view(next, rule);
  }

  async state(rule: BreakerRule): Promise<BreakerState> {
    return this.view(this.read(), rule);
  }

  async reset(rule: BreakerRule): Promise<BreakerState> {
    this.sql.exec("DELETE FROM breaker");
    return this.view(this.read(), rule);
  }

  private read(): Row {
    const rows = this.sql.exec<Row>("SELECT failures, opened_at, probe_at FROM breaker WHERE id = 1").toArray();
    return rows[0] ?? { failures: 0, opened_at: null, probe_at: null };
  }

  private write(row: Row): void {
    this.sql.exec(
      "INSERT INTO breaker (id, failures, opened_at, probe_at) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET failures = excluded.failures, opened_at = excluded.opened_at, probe_at = excluded.probe_at",
      row.failures,
      row.opened_at,
      row.probe_at,
    );
  }

  private view(row: Row, rule: BreakerRule): BreakerState {
    if (row.opened_at === null) return { state: "closed", consecutiveFailures: row.failures, openedAt: null, reopensAt: null };
    const reopensAt = Math.max(row.opened_at, row.probe_at ?? row.opened_at) + rule.cooldownMs;
    return { state: rule.at >= reopensAt ? "half-open" : "open", consecutiveFailures: row.failures, openedAt: row.opened_at, reopensAt };
  }
}
