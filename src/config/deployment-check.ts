import { atRestKeyUnusable, atRestKeyWeakness, readAtRestKeySettings } from "../lib/at-rest-keys";
import { log } from "../lib/logger";
import { classifyIpLiteral } from "../lib/safe-fetch";
import { type AppConfig, emailSenderKind, LOCAL_ENVIRONMENTS, parseConfig } from "./config";

/**
 * Refuses a deployment that would misbehave quietly. On Workers there is no
 * start-up to abort, so "refuse to start" means: every request answers 503
 * SERVICE_MISCONFIGURED, queue messages wait, the cron does nothing, and one
 * log line per isolate names each problem (never a value). docs/deployment.md.
 *
 * Always checked: vars parse, and the secrets exist in a usable form.
 * Checked in a deployment (any ENVIRONMENT but `development` or `test`): the
 * public base URL is a public https origin, secrets are long and not
 * published placeholders, the at-rest key looks random, the dev-only
 * loopback flag is off, and dashboard email has a real sender.
 */
export interface DeploymentProblem {
  /** The variable or secret at fault. */
  name: string;
  /** What is wrong with it, without its value. */
  problem: string;
}

export const MIN_SECRET_LENGTH = 32;
/** Values shipped in .dev.vars.example: anyone can read them. */
const PLACEHOLDER_SECRETS = new Set(["change-me-to-a-long-random-string"]);

export function isDeployment(environment: string): boolean {
  return !LOCAL_ENVIRONMENTS.has(environment.trim().toLowerCase());
}

type Source = Record<string, unknown>;

const text = (src: Source, name: string): string => {
  const v = src[name];
  return typeof v === "string" ? v.trim() : "";
};

/** Every problem of this `env`, in a stable order. Pure: no logging, no caching. */
export function findDeploymentProblems(env: Env): DeploymentProblem[] {
  const src = env as unknown as Source;
  const problems: DeploymentProblem[] = [];
  const parsed = parseConfig(env);
  if (!parsed.ok) problems.push(...parsed.issues);
  const deployed = isDeployment(parsed.ok ? parsed.config.ENVIRONMENT : text(src, "ENVIRONMENT") || "production");

  for (const name of ["ADMIN_TOKEN", "FILE_SIGNING_SECRET"] as const) {
    const value = text(src, name);
    if (!value) problems.push({ name, problem: `is not set (\`wrangler secret put ${name}\`)` });
    else if (deployed) {
      const weak = secretWeakness(value);
      if (weak) problems.push({ name, problem: weak });
    }
  }

  const keys = readAtRestKeySettings(env);
  if (!keys.current) problems.push({ name: "AT_REST_KEY", problem: "is not set (base64 of 32 random bytes: `openssl rand -base64 32`)" });
  for (const key of keys.current ? [keys.current, ...keys.previous] : keys.previous) {
    const problem = atRestKeyUnusable(key.value) ?? (deployed ? atRestKeyWeakness(key.value) : null);
    if (problem) problems.push({ name: key.name, problem });
  }

  if (deployed && parsed.ok) {
    problems.push(...deployedConfigProblems(parsed.config, text(src, "PUBLIC_BASE_URL") !== ""));
    problems.push(...emailProblems(parsed.config, src.EMAIL));
  }
  return problems;
}

/** A deployment must deliver verification and reset email: the dev outbox would swallow it. */
function emailProblems(config: AppConfig, binding: unknown): DeploymentProblem[] {
  if (emailSenderKind(config) === "outbox") {
    return [{ name: "EMAIL_SENDER", problem: "is `outbox`, which only stores email for local development (use `auto` or `cloudflare`)" }];
  }
  const problems: DeploymentProblem[] = [];
  const usable = typeof binding === "object" && binding !== null && typeof (binding as { send?: unknown }).send === "function";
  if (!usable) problems.push({ name: "EMAIL", problem: 'send_email binding is missing (wrangler.toml `[[send_email]] name = "EMAIL"`, docs/deployment.md)' });
  if (config.EMAIL_FROM === "") problems.push({ name: "EMAIL_FROM", problem: "is not set (the sender address of verification and reset email)" });
  return problems;
}

function secretWeakness(value: string): string | null {
  if (PLACEHOLDER_SECRETS.has(value)) return "is the placeholder from .dev.vars.example";
  if (value.length < MIN_SECRET_LENGTH) return `is shorter than ${MIN_SECRET_LENGTH} characters`;
  if (new Set(value).size < 8) return "does not look random (fewer than 8 distinct characters)";
  return null;
}

function deployedConfigProblems(config: AppConfig, baseUrlSet: boolean): DeploymentProblem[] {
  const problems: DeploymentProblem[] = [];
  const url = new URL(config.PUBLIC_BASE_URL);
  if (!baseUrlSet) {
    problems.push({
      name: "PUBLIC_BASE_URL",
      problem:
        "is not set: webhook payloads and engine input URLs would point at localhost (set it to the Worker's public origin, e.g. https://drape.example.com)",
    });
  } else if (isLocalHost(url.hostname)) {
    problems.push({ name: "PUBLIC_BASE_URL", problem: "is a loopback or private-network origin, unreachable for webhook receivers and engines" });
  } else if (url.protocol !== "https:") {
    problems.push({ name: "PUBLIC_BASE_URL", problem: "must be an https origin" });
  }
  if (config.ALLOW_LOOPBACK_FETCH) problems.push({ name: "ALLOW_LOOPBACK_FETCH", problem: "is a development flag and must be false in a deployment" });
  return problems;
}

function isLocalHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.+$/, "");
  if (host === "localhost" || host.endsWith(".localhost") || (!host.includes(".") && !host.startsWith("["))) return true;
  const literal = classifyIpLiteral(host);
  return literal !== null && literal.cls !== "public";
}

const checked = new WeakMap<object, DeploymentProblem[]>();

/**
 * The problems of this `env`, computed once per env object (once per isolate
 * on Workers); the first computation logs one line naming them.
 */
export function deploymentProblems(env: Env): DeploymentProblem[] {
  let problems = checked.get(env);
  if (!problems) {
    problems = findDeploymentProblems(env);
    checked.set(env, problems);
    if (problems.length > 0) {
      log("error", "deployment misconfigured: refusing to serve", {
        problems: problems.map((p) => `${p.name} ${p.problem}`).join("; "),
      });
    }
  }
  return problems;
}
