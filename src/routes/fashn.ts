import type { Context, ErrorHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { limitBodies } from "../http/body-limit";
import { authOf, serviceContext } from "../http/context";
import { integratorAccess } from "../http/integrator-access";
import { maintenanceGate } from "../http/maintenance";
import { allowedMethods } from "../http/route-table";
import { createRouter } from "../http/router";
import { IMAGE_MAX_BYTES } from "../lib/image-intake";
import { describeError, log } from "../lib/logger";
import { FashnRunQuerySchema } from "../schemas/fashn";
import { creditsView, type FashnApiError, fashnInternalError, predictionStatus, runPrediction, toFashnApiError } from "../services/fashn-api";

/**
 * FASHN's v1 API (`/v1/run`, `/v1/status/{id}`, `/v1/credits`) over Drape's
 * services, so FASHN's official SDK works unchanged with a Drape key as its
 * bearer token (docs/fashn-compat.md). Every refusal is FASHN's `{error,
 * message}`, not Drape's envelope: that is what FASHN clients parse.
 */
export const FASHN_BASE = "/v1";

/** Two base64 images of up to 10 MB each, and the rest of the JSON. */
const RUN_MAX_BYTES = 2 * Math.ceil((IMAGE_MAX_BYTES * 4) / 3) + 64 * 1024;
const runBodyLimit = bodyLimit({
  maxSize: RUN_MAX_BYTES,
  onError: () => {
    throw new ApiError("PAYLOAD_TOO_LARGE", `A run body is limited to ${RUN_MAX_BYTES} bytes (two 10 MB images as base64).`);
  },
});

function fashnResponse(c: Context<AppEnv>, e: FashnApiError): Response {
  const headers = new Headers(e.headers);
  headers.set("content-type", "application/json");
  headers.set("x-request-id", c.get("requestId") ?? "");
  return new Response(JSON.stringify(e.body), { status: e.status, headers });
}

const onFashnError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof ApiError) return fashnResponse(c, toFashnApiError(err));
  if (err instanceof HTTPException && err.status < 500) {
    return fashnResponse(c, toFashnApiError(new ApiError(err.status === 413 ? "PAYLOAD_TOO_LARGE" : "VALIDATION_FAILED", err.message || "Bad request.")));
  }
  log("error", "unhandled exception", { requestId: c.get("requestId"), error: describeError(err) });
  return fashnResponse(c, fashnInternalError());
};

async function readJson(c: Context<AppEnv>): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new ApiError("VALIDATION_FAILED", "The request body is not valid JSON.", { details: [{ path: "", message: "malformed JSON" }] });
  }
}

const router = createRouter();
router.onError(onFashnError);
router.use("*", maintenanceGate);
router.use("/run", runBodyLimit);
router.use("/status/*", limitBodies);
router.use("/credits", limitBodies);
router.use("*", integratorAccess);

export const fashnRoutes = router
  .post("/run", async (c) => {
    const { webhook_url } = FashnRunQuerySchema.parse(c.req.query());
    const raw = await readJson(c);
    const accepted = await runPrediction(serviceContext(c), authOf(c), raw, webhook_url, (a) => ({
      status: 200,
      headers: [["content-type", "application/json"]],
      body: new TextEncoder().encode(JSON.stringify(a)),
    }));
    return c.json(accepted, 200);
  })
  .get("/status/:id", async (c) => c.json(await predictionStatus(serviceContext(c), authOf(c).accountId, c.req.param("id")), 200))
  .get("/credits", async (c) => c.json(await creditsView(serviceContext(c), authOf(c).accountId), 200))
  // Anything else under /v1 is FASHN's NotFound too (registered last, as middleware is: no key needed to learn it).
  .all("*", (c) => {
    const known = allowedMethods(c.req.path).length > 0;
    throw new ApiError(known ? "METHOD_NOT_ALLOWED" : "ROUTE_NOT_FOUND", `No route ${c.req.method} ${c.req.path}.`);
  });
