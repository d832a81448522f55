import { AsyncLocalStorage } from "node:async_hooks";
import { log } from "./logger";

/**
 * Per-step timings of one request, for profiling (docs/performance.md, "Hot paths").
 * Off unless the Worker runs with `DRAPE_STEP_TIMING = "true"` (the profiling script sets it);
 * when off, the only cost is one string comparison per request. When on, the D1, Durable
 * Object, R2 and queue bindings are wrapped so every call records its wall time, and the
 * response carries a `Server-Timing` header (`d1;dur=…`, `do;dur=…`, …; repeated names add up).
 * Timers advance across I/O in workerd, so these spans are exact for storage calls; CPU-only
 * work (JSON, zod, HMAC) is read from an inspector CPU profile instead.
 */
export interface StepRecorder {
  readonly spans: Map<string, { ms: number; count: number }>;
}

const current = new AsyncLocalStorage<StepRecorder>();

export function stepTimingEnabled(flag: string | undefined): boolean {
  return flag === "true";
}

/** Runs `fn` with a fresh recorder; returns its result and the recorder. */
export async function withStepRecorder<T>(fn: () => Promise<T>): Promise<{ result: T; recorder: StepRecorder }> {
  const recorder: StepRecorder = { spans: new Map() };
  const result = await current.run(recorder, fn);
  return { result, recorder };
}

export function recordStep(name: string, ms: number): void {
  const rec = current.getStore();
  if (!rec) return;
  const span = rec.spans.get(name);
  if (span) {
    span.ms += ms;
    span.count += 1;
  } else rec.spans.set(name, { ms, count: 1 });
}

/**
 * Times an async step of the current request. Outside a recorder (always, in a deployment) it only
 * calls `fn`: not an async function itself, so the hot path gains no promise and no extra turn.
 */
export function timeStep<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return current.getStore() ? timed(name, fn) : fn();
}

async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    recordStep(name, performance.now() - started);
  }
}

/** `Server-Timing` value: one entry per step, with its summed duration and call count. */
export function serverTimingHeader(rec: StepRecorder, totalMs: number): string {
  const parts = [`total;dur=${totalMs.toFixed(2)}`];
  for (const [name, { ms, count }] of rec.spans) parts.push(`${name};dur=${ms.toFixed(2)};desc="${count}"`);
  return parts.join(", ");
}

type AnyFn = (...args: unknown[]) => unknown;

/** Wraps the methods `methods` of `target` so each call is timed under `step(method)`. */
function timedMethods<T extends object>(
  target: T,
  step: (method: string) => string,
  methods: readonly string[],
  wrapResult?: (method: string, value: unknown) => unknown,
): T {
  return new Proxy(target, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop, obj) as unknown;
      if (typeof prop !== "string" || typeof value !== "function") return value;
      const fn = (value as AnyFn).bind(obj);
      if (!methods.includes(prop)) {
        if (!wrapResult) return fn;
        return (...args: unknown[]) => wrapResult(prop, fn(...args));
      }
      return (...args: unknown[]) => {
        const started = performance.now();
        const out = fn(...args);
        if (out instanceof Promise) return out.finally(() => recordStep(step(prop), performance.now() - started));
        recordStep(step(prop), performance.now() - started);
        return wrapResult ? wrapResult(prop, out) : out;
      };
    },
  }) as T;
}

const STATEMENT_METHODS = ["run", "all", "first", "raw"] as const;

function timedStatement(stmt: D1PreparedStatement): D1PreparedStatement {
  return timedMethods(
    stmt,
    () => "d1",
    STATEMENT_METHODS,
    (method, value) => (method === "bind" ? timedStatement(value as D1PreparedStatement) : value),
  );
}

function timedD1(db: D1Database): D1Database {
  return timedMethods(
    db,
    () => "d1",
    ["batch", "exec"],
    (method, value) => (method === "prepare" ? timedStatement(value as D1PreparedStatement) : value),
  );
}

function timedNamespace(ns: DurableObjectNamespace, label: string): DurableObjectNamespace {
  return timedMethods(
    ns,
    () => label,
    [],
    (method, value) =>
      method === "get"
        ? new Proxy(value as object, {
            get(stub, prop) {
              // `then` must stay absent (the stub is not a promise); symbols and ids pass through.
              if (typeof prop !== "string" || prop === "then" || prop === "id" || prop === "name") return Reflect.get(stub, prop) as unknown;
              return async (...args: unknown[]) => {
                const started = performance.now();
                try {
                  return await (stub as Record<string, AnyFn>)[prop]?.(...args);
                } finally {
                  recordStep(`${label}.${prop}`, performance.now() - started);
                }
              };
            },
          })
        : value,
  );
}

const wrapped = new WeakMap<object, object>();

/**
 * The same env with its storage bindings timed (built once per env object). Only the bindings
 * the hot paths use are wrapped: DB, ACCOUNT_GATE, R2 and the generation queue.
 */
export function timedEnv<E extends object>(env: E): E {
  const hit = wrapped.get(env);
  if (hit) return hit as E;
  const e = env as Record<string, unknown>;
  const out: Record<string, unknown> = { ...e };
  if (e.DB) out.DB = timedD1(e.DB as D1Database);
  if (e.ACCOUNT_GATE) out.ACCOUNT_GATE = timedNamespace(e.ACCOUNT_GATE as DurableObjectNamespace, "do");
  for (const [name, value] of Object.entries(e)) {
    if (name.endsWith("_QUEUE") || name === "QUEUE") out[name] = timedMethods(value as object, () => "queue", ["send", "sendBatch"]);
    if (name === "BUCKET" || name.endsWith("_BUCKET") || name === "R2")
      out[name] = timedMethods(value as object, (m) => `r2.${m}`, ["get", "put", "head", "delete", "list"]);
  }
  wrapped.set(env, out);
  return out as E;
}

/**
 * Runs a queue batch with its storage calls timed and logs one "step timing" line for it (the
 * queue's name, its message count and the steps in `Server-Timing` form): queue handlers have no
 * response to carry a header.
 */
export async function logQueueSteps<E extends object>(queue: string, messages: number, env: E, fn: (env: E) => Promise<void>): Promise<void> {
  const started = performance.now();
  const { recorder } = await withStepRecorder(() => fn(timedEnv(env)));
  log("info", "step timing", { queue, messages, steps: serverTimingHeader(recorder, performance.now() - started) });
}
