import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll } from "vitest";
import { shiftClock } from "./helpers/clock-shift";
import { assertAnsweredErrorsDeclared } from "./helpers/error-recorder";

// The whole suite can run at another instant: TEST_CLOCK_OFFSET_DAYS (from DRAPE_TEST_CLOCK_OFFSET_DAYS in
// vitest.config.ts; `npm run test:future` sets it) moves this isolate's Date. The Worker code reads time only
// through src/lib/clock.ts (the lint forbids any other Date.now()/new Date()), and the AccountGate objects, the
// queue consumers and the libraries under test (standardwebhooks…) run in this same isolate, so every clock the
// suite can observe moves together: no test can pass or fail because of the calendar date it runs on.
shiftClock(Number(env.TEST_CLOCK_OFFSET_DAYS ?? "0"));

// Storage is isolated per test file; apply the schema to this file's D1.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// Every error a test provokes must be one its route declares in OpenAPI (test/helpers/error-recorder.ts).
afterAll(assertAnsweredErrorsDeclared);
