import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, vi } from "vitest";
import { ENGINE_NAMES, getConfig } from "../src/config";
import { engineBreaker } from "../src/durable/engine-breaker";
import { shiftClock } from "./helpers/clock-shift";
import { assertAnsweredErrorsDeclared } from "./helpers/error-recorder";

// The whole suite can run at another instant: TEST_CLOCK_OFFSET_DAYS (from DRAPE_TEST_CLOCK_OFFSET_DAYS in
// vitest.config.ts; `npm run test:future` sets it) moves this isolate's Date. The Worker code reads time only
// through src/lib/clock.ts (the lint forbids any other Date.now()/new Date()), and the AccountGate objects, the
// queue consumers and the libraries under test (standardwebhooks…) run in this same isolate, so every clock the
// suite can observe moves together: no test can pass or fail because of the calendar date it runs on.
shiftClock(Number(env.TEST_CLOCK_OFFSET_DAYS ?? "0"));

// A worker's test files share one workerd and its storage (vitest.config.ts, `isolate: false`). The schema is
// applied once per database (applying is idempotent); what is global rather than per account is put back
// to its starting point here, so no file starts where the previous one left off: every engine's circuit
// breaker closed with no outage counted.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
const config = getConfig(env);
const breakerRule = { threshold: config.ENGINE_BREAKER_THRESHOLD, cooldownMs: config.ENGINE_BREAKER_COOLDOWN_SECONDS * 1000, at: Date.now() };
await Promise.all(ENGINE_NAMES.filter((engine) => engine !== "mock").map((engine) => engineBreaker(env, engine).reset(breakerRule)));

// Every error a test provokes must be one its route declares in OpenAPI (test/helpers/error-recorder.ts).
afterAll(assertAnsweredErrorsDeclared);
// A spy outlives its file otherwise: the next file of the same worker would call the previous file's double.
afterAll(() => {
  vi.restoreAllMocks();
});
