import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startDrape } from "./server";

/** One variable of the .dev.vars that `npm start` wrote (and seeded the demo account from). */
function devVar(root: string, name: string): string {
  const line = readFileSync(join(root, ".dev.vars"), "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`.dev.vars has no ${name}`);
  return line.slice(name.length + 1).trim();
}

/**
 * Starts the Worker exactly as `npm start` does, on a spare port with a fresh persist directory,
 * and stops it (its whole process group, by id) after the run. The server's output goes to
 * .tmp/e2e-server.log.
 */
export default async function setup(project: TestProject) {
  const root = join(import.meta.dirname, "..", "..");
  const drape = await startDrape(root);
  project.provide("baseUrl", drape.base);
  project.provide("demoApiKey", devVar(root, "DEMO_API_KEY"));
  project.provide("adminToken", devVar(root, "ADMIN_TOKEN"));
  return drape.stop;
}
