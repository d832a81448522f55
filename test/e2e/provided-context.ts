// What the e2e global setup (global-setup.ts) provides to every e2e test, packages/client's live tests included.
// A file of its own so those tests' tsconfig can include it without the setup's imports.
export {};

declare module "vitest" {
  export interface ProvidedContext {
    /** Where the Worker under test answers, e.g. http://127.0.0.1:40123. */
    baseUrl: string;
    /** The seeded demo account's API key (DEMO_API_KEY of the .dev.vars `npm start` used). */
    demoApiKey: string;
    /** The operator token of that .dev.vars (ADMIN_TOKEN): it opens the operator console. */
    adminToken: string;
  }
}
