import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { ensureDevVars, readDevVars } from "../../scripts/dev-vars.mjs";

type Vars = Map<string, string>;
const ensure = ensureDevVars as (path: string, port: number) => { vars: Vars; changed: string[] };
const read = readDevVars as (path: string) => Vars;

let dir = "";
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = "";
});
const devVars = () => {
  dir = mkdtempSync(join(tmpdir(), "drape-devvars-"));
  return join(dir, ".dev.vars");
};

// `npm start` writes .dev.vars (scripts/dev-vars.mjs): secrets stay, the base URL follows the port.
describe(".dev.vars of npm start", () => {
  it("a fresh start generates every secret and a base URL on the port served", () => {
    const path = devVars();
    ensure(path, 8787);
    const vars = read(path);
    expect(vars.get("PUBLIC_BASE_URL")).toBe("http://127.0.0.1:8787");
    expect(Buffer.from(vars.get("AT_REST_KEY") ?? "", "base64")).toHaveLength(32);
    expect(vars.get("ADMIN_TOKEN")?.length).toBeGreaterThanOrEqual(32);
    expect(vars.get("ENVIRONMENT")).toBe("development");
    expect(vars.has("WEBHOOK_ENCRYPTION_KEY")).toBe(false);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("a second start on another port moves the base URL to that port and keeps every secret", () => {
    const path = devVars();
    ensure(path, 8787);
    const before = read(path);
    const { changed } = ensure(path, 8790);
    const after = read(path);
    expect(after.get("PUBLIC_BASE_URL")).toBe("http://127.0.0.1:8790");
    expect(changed).toEqual(["PUBLIC_BASE_URL (http://127.0.0.1:8790)"]);
    for (const k of ["ADMIN_TOKEN", "FILE_SIGNING_SECRET", "AT_REST_KEY", "DEMO_API_KEY"]) expect(after.get(k)).toBe(before.get(k));
    // The same port again changes nothing.
    expect(ensure(path, 8790).changed).toEqual([]);
  });

  it("an older file's localhost base URL follows the port too; a non-loopback one (a tunnel) is kept", () => {
    const path = devVars();
    writeFileSync(path, "PUBLIC_BASE_URL=http://localhost:8787\n");
    ensure(path, 8911);
    expect(read(path).get("PUBLIC_BASE_URL")).toBe("http://127.0.0.1:8911");
    writeFileSync(path, "PUBLIC_BASE_URL=https://my-tunnel.example.com\n");
    ensure(path, 8911);
    expect(read(path).get("PUBLIC_BASE_URL")).toBe("https://my-tunnel.example.com");
  });

  it("WEBHOOK_ENCRYPTION_KEY is renamed to AT_REST_KEY with the same value, so local data still opens", () => {
    const path = devVars();
    const key = Buffer.alloc(32, 3).toString("base64");
    writeFileSync(path, `ADMIN_TOKEN=keep-me\nWEBHOOK_ENCRYPTION_KEY=${key}\n`);
    ensure(path, 8787);
    const vars = read(path);
    expect(vars.get("AT_REST_KEY")).toBe(key);
    expect(vars.has("WEBHOOK_ENCRYPTION_KEY")).toBe(false);
    expect(vars.get("ADMIN_TOKEN")).toBe("keep-me");
    expect(readFileSync(path, "utf8")).not.toContain("WEBHOOK_ENCRYPTION_KEY");
  });
});
