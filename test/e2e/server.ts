import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

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

export interface RunningDrape {
  /** Where the Worker answers, e.g. http://127.0.0.1:40123. */
  base: string;
  /** Stops its whole process group (by id) and deletes its state. */
  stop(): Promise<void>;
}

/**
 * Starts the Worker exactly as `npm start` does (migrations, demo seed, `wrangler dev`), on a
 * spare port with a fresh persist directory. Used by the e2e global setup and by
 * `npm run screenshots`. The server's output goes to `.tmp/<logName>`.
 */
export async function startDrape(root: string, logName = "e2e-server.log"): Promise<RunningDrape> {
  const port = await sparePort();
  const state = mkdtempSync(join(tmpdir(), "drape-e2e-state-"));
  mkdirSync(join(root, ".tmp"), { recursive: true });
  const logPath = join(root, ".tmp", logName);
  const log = createWriteStream(logPath);
  await new Promise((r) => log.once("open", r));
  const child = spawn("npm", ["start", "--", "--port", String(port), "--persist-to", state], {
    cwd: root,
    detached: true, // its own process group: stop() ends npm, start.mjs, wrangler and workerd together
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
  return { base, stop };
}
