import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Tests run inside workerd with the bindings of wrangler.toml (local D1, R2,
// Queues, DOs). Secrets get fixed test values here; migrations are applied by
// test/setup.ts.
export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ENVIRONMENT: "test",
            ADMIN_TOKEN: "test-admin-token-0123456789abcdef",
            FILE_SIGNING_SECRET: "test-file-signing-secret-0123456789abcdef",
            WEBHOOK_ENCRYPTION_KEY: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/setup.ts"],
      testTimeout: 30_000,
      // Request log lines are noise when a test passes; they are kept for failures.
      silent: "passed-only" as const,
      hookTimeout: 30_000,
    },
  };
});
