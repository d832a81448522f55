import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where the Worker under test answers, e.g. http://127.0.0.1:40123. */
    baseUrl: string;
    /** The seeded demo account's API key (DEMO_API_KEY of the .dev.vars `npm start` used). */
    demoApiKey: string;
  }
}

/** A free TCP port on the loopback interface (the kernel picks it; released before wrangler binds it). */
function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function waitForReady(base: string, child: ChildProcess, logPath: string): Promise<void> {
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${readFileSync(logPath, "utf8").slice(-3000)}`);
    // `npm start` prints its banner once the Worker is healthy and the demo account is seeded.
    if (readFileSync(logPath, "utf8").includes("Drape is running at")) {
      const res = await fetch(`${base}/healthz`).catch(() => null);
      if (res?.ok) return;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`npm start was not ready within 150 s:\n${readFileSync(logPath, "utf8").slice(-3000)}`);
}

/** One variable of the .dev.vars that `npm start` wrote (and seeded the demo account from). */
function devVar(root: string, name: string): string {
  const line = readFileSync(join(root, ".dev.vars"), "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`.dev.vars has no ${name}`);
  return line.slice(name.length + 1).trim();
}

/**
 * Starts the Worker exactly as `npm start` does (migrations, demo seed, `wrangler dev`), on a
 * spare port with a fresh persist directory, and stops it (its whole process group, by id)
 * after the run. The server's output goes to .tmp/e2e-server.log.
 */
export default async function setup(project: TestProject) {
  const root = join(import.meta.dirname, "..", "..");
  const port = await sparePort();
  const state = mkdtempSync(join(tmpdir(), "drape-e2e-state-"));
  mkdirSync(join(root, ".tmp"), { recursive: true });
  const logPath = join(root, ".tmp", "e2e-server.log");
  const log = createWriteStream(logPath);
  await new Promise((r) => log.once("open", r));
  const child = spawn("npm", ["start", "--", "--port", String(port), "--persist-to", state], {
    cwd: root,
    detached: true, // its own process group: teardown ends npm, start.mjs, wrangler and workerd together
    stdio: ["ignore", log, log],
    env: { ...process.env, CI: "true" },
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await new Promise((r) => {
        const timer = setTimeout(() => {
          if (child.pid !== undefined) {
            try {
              process.kill(-child.pid, "SIGKILL");
            } catch {
              // already gone
            }
          }
          r(undefined);
        }, 10_000);
        child.once("exit", () => {
          clearTimeout(timer);
          r(undefined);
        });
      });
    }
    rmSync(state, { recursive: true, force: true });
  };
  try {
    await waitForReady(base, child, logPath);
  } catch (err) {
    await stop();
    throw err;
  }
  project.provide("baseUrl", base);
  project.provide("demoApiKey", devVar(root, "DEMO_API_KEY"));
  return stop;
}
