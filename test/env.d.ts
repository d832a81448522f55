declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** Days the suite's clock runs ahead of the machine's (test/setup.ts); "0" normally. */
    TEST_CLOCK_OFFSET_DAYS?: string;
  }
}

/** Vite's `?raw` import: a file's text (tests that walk the docs, e.g. docs/test-mode.md). */
declare module "*?raw" {
  const text: string;
  export default text;
}
