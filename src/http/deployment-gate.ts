import type { MiddlewareHandler } from "hono";
import { deploymentProblems } from "../config";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

/** How long a client should wait before trying a misconfigured deployment again. */
const RETRY_AFTER_SECONDS = 300;

/**
 * First gate of every request, /healthz included: a deployment that fails its
 * checks (src/config/deployment-check.ts) answers 503 SERVICE_MISCONFIGURED naming the
 * settings at fault, instead of serving localhost URLs or weak secrets.
 */
export const deploymentGate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const problems = deploymentProblems(c.env);
  if (problems.length > 0) {
    throw new ApiError(
      "SERVICE_MISCONFIGURED",
      `This Drape deployment is misconfigured and refuses to serve until its operator fixes: ${problems.map((p) => p.name).join(", ")}.`,
      { details: problems.map((p) => ({ path: p.name, message: p.problem })), headers: { "retry-after": String(RETRY_AFTER_SECONDS) } },
    );
  }
  await next();
};
