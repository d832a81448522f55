const DAY_MS = 86_400_000;

// Test files share an isolate (vitest.config.ts: `isolate: false`) and this module may be evaluated once
// per file: the machine's Date is kept on the global the first time, so a second shift never compounds.
const realDateHolder = globalThis as typeof globalThis & { __drapeRealDate?: DateConstructor };
realDateHolder.__drapeRealDate ??= Date;
const RealDate = realDateHolder.__drapeRealDate;

/**
 * Replaces the isolate's `Date` with one whose "now" (`Date.now()` and `new Date()` without
 * arguments) is `days` ahead of the machine's clock; every other use of `Date` is unchanged.
 * This is faketime for a workerd isolate (faketime itself keeps workerd from starting).
 */
export function shiftClock(days: number): void {
  if (!Number.isFinite(days) || days === 0) return;
  const offset = days * DAY_MS;
  class ShiftedDate extends RealDate {
    constructor(...args: ConstructorParameters<typeof RealDate> | []) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...(args as ConstructorParameters<typeof RealDate>));
    }
    static override now(): number {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
}
