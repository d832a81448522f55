import { defineConfig } from "drizzle-kit";

// drizzle-kit writes SQL migrations from the schema in src/db/schema; wrangler applies them.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema/index.ts",
  out: "./migrations",
});
