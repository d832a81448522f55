import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildAssets } from "./scripts/build-assets.mjs";

// This file runs in Node; the project's types are the Workers ones, which have no `process`.
declare const process: { env: Record<string, string | undefined> };

// Four projects:
// - "workers" and "workers-own-db": the API's tests, inside workerd (workersProject below);
// - "node": checks of checked-in artifacts that need Node tools (the OpenAPI
//   validator reads its schemas from disk, which workerd cannot).
// - "e2e": the dashboard in a real browser (Debian's Chromium driven by
//   playwright-core) against the Worker started exactly as `npm start` does, on
//   a spare port with a fresh local state (test/e2e/global-setup.ts). Not part
//   of `npm test`: `npm run test:e2e`, and a step of .ci/run.
// Test files that act on every account at once (the scheduled sweep, a retention purge, an admin list of every
// account, a re-seal of every secret, a dropped table) and count what they touched: they run with a database
// of their own, not one shared with other files.
const OWN_DATABASE = [
  "test/config/deployment-check.test.ts",
  "test/http/internal-error.test.ts",
  "test/http/pagination.test.ts",
  "test/services/at-rest/reseal.test.ts",
  "test/services/customers/erase.test.ts",
  "test/services/generations/engine-fallback.test.ts",
  "test/services/generations/lifecycle.test.ts",
  "test/services/retention/purge.test.ts",
];

export default defineConfig(async () => {
  // wrangler's `[build] command` does not run under vitest: the static assets are copied here.
  buildAssets();
  const migrations = await readD1Migrations("./migrations");
  return {
    test: {
      testTimeout: 30_000,
      hookTimeout: 30_000,
      // Request log lines are noise when a test passes; they are kept for failures.
      silent: "passed-only" as const,
      projects: [
        workersProject(migrations, {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/node/**", "test/e2e/**", ...OWN_DATABASE],
          isolate: false,
        }),
        workersProject(migrations, { name: "workers-own-db", include: OWN_DATABASE, exclude: [], isolate: true }),
        {
          // packages/client's unit tests run here too (Node, no Worker): the client is plain TypeScript.
          test: { name: "node", environment: "node", include: ["test/node/**/*.test.ts", "packages/client/test/unit/**/*.test.ts"], testTimeout: 30_000 },
        },
        {
          test: {
            name: "e2e",
            environment: "node",
            // Also the clients proven against a live Drape: packages/client's walkthrough and its packed tarball.
            include: ["test/e2e/**/*.test.ts", "packages/client/test/live/**/*.test.ts"],
            globalSetup: ["./test/e2e/global-setup.ts"],
            // One server, one browser at a time: the machine has two cores.
            fileParallelism: false,
            testTimeout: 120_000,
            hookTimeout: 180_000,
          },
        },
      ],
    },
  };
});

/**
 * The API's tests inside workerd with the bindings of wrangler.toml (local D1, R2, Queues, DOs). Secrets get
 * fixed test values here; migrations are applied by test/setup.ts.
 *
 * `isolate: false` runs a worker's test files one after another in one workerd, sharing its storage and
 * modules: a fresh workerd per file cost ~2 s of start-up and module loading each, about three quarters of the
 * suite's time. Every test makes its own accounts (random ids), so files do not see each other's rows;
 * the few that scan or change a whole table run in "workers-own-db", one workerd (and one database) per
 * file, as before (docs/architecture.md, record 14).
 */
function workersProject(
  migrations: Awaited<ReturnType<typeof readD1Migrations>>,
  opts: { name: string; include: string[]; exclude: string[]; isolate: boolean },
) {
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        // Offline: the AI binding (no local simulator) stays a local stub that throws
        // "needs to be run remotely"; tests that run workers-ai inject a double.
        remoteBindings: false,
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ENVIRONMENT: "test",
            ADMIN_TOKEN: "test-admin-token-0123456789abcdef",
            FILE_SIGNING_SECRET: "test-file-signing-secret-0123456789abcdef",
            AT_REST_KEY: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
            // Pinned so a developer's .dev.vars (written by `npm start`) cannot change test behaviour.
            ALLOW_LOOPBACK_FETCH: "false",
            MAINTENANCE_MODE: "false",
            PUBLIC_BASE_URL: "http://localhost:8787",
            ENGINE_DEFAULT: "composite",
            // `npm run test:future` runs the suite this many days ahead (test/setup.ts).
            TEST_CLOCK_OFFSET_DAYS: process.env.DRAPE_TEST_CLOCK_OFFSET_DAYS ?? "0",
            // `DRAPE_GATE_SHARDS=on npx vitest run …` runs files with key shards on (docs/scaling.md).
            GATE_SHARDS: process.env.DRAPE_GATE_SHARDS ?? "off",
            // `DRAPE_GENERATION_DELIVERY=outbox npx vitest run …` runs files with the AccountGate's outbox
            // (test/services/generations/outbox.test.ts runs it in any case). Its gathering window is long
            // here, so a test sees a try-on before its delivery without racing the gate's timer.
            GENERATION_DELIVERY: process.env.DRAPE_GENERATION_DELIVERY ?? "request",
            GENERATION_OUTBOX_GATHER_MS: "1000",
          },
        },
      }),
    ],
    test: {
      name: opts.name,
      include: opts.include,
      exclude: opts.exclude,
      isolate: opts.isolate,
      setupFiles: ["./test/setup.ts"],
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  };
}
