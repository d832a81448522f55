import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startDrape } from "./server";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where the Worker under test answers, e.g. http://127.0.0.1:40123. */
    baseUrl: string;
  }
}

/**
 * Starts the Worker exactly as `npm start` does, on a spare port with a fresh persist directory,
 * and stops it (its whole process group, by id) after the run. The server's output goes to
 * .tmp/e2e-server.log.
 */
export default async function setup(project: TestProject) {
  const drape = await startDrape(join(import.meta.dirname, "..", ".."));
  project.provide("baseUrl", drape.base);
  return drape.stop;
}
