declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** Days the suite's clock runs ahead of the machine's (test/setup.ts); "0" normally. */
    TEST_CLOCK_OFFSET_DAYS?: string;
  }
}
