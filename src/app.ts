import type { MiddlewareHandler } from "hono";
import { getConfig } from "./config";
import { createDashboard } from "./dashboard/app";
import type { AppEnv } from "./env";
import { accessLog } from "./http/access-log";
import { requireAdminToken } from "./http/auth";
import { limitBodies } from "./http/body-limit";
import { deploymentGate } from "./http/deployment-gate";
import { notFound, onError } from "./http/errors";
import { integratorGate } from "./http/integrator-access";
import { mountLlms } from "./http/llms";
import { maintenanceGate } from "./http/maintenance";
import { mountOpenApi } from "./http/openapi";
import { requestId } from "./http/request-id";
import { registerRouteTable } from "./http/route-table";
import { createRouter } from "./http/router";
import { stepTiming } from "./http/step-timing";
import { ADMIN_BASE, API_BASE } from "./lib/api-paths";
import { mountMcp } from "./mcp";
import { accountRoutes } from "./routes/account";
import { accountRoutes as adminAccountRoutes } from "./routes/admin/accounts";
import { atRestKeyRoutes as adminAtRestKeyRoutes } from "./routes/admin/at-rest-key";
import { creditRoutes as adminCreditRoutes } from "./routes/admin/credits";
import { engineRoutes as adminEngineRoutes } from "./routes/admin/engines";
import { keyRoutes as adminKeyRoutes } from "./routes/admin/keys";
import { logoRoutes as adminLogoRoutes } from "./routes/admin/logo";
import { maintenanceRoutes as adminMaintenanceRoutes } from "./routes/admin/maintenance";
import { customerRoutes } from "./routes/customers";
import { FASHN_BASE, fashnRoutes } from "./routes/fashn";
import { fileRoutes } from "./routes/files";
import { generationRoutes } from "./routes/generations";
import { healthRoutes } from "./routes/health";
import { imageRoutes } from "./routes/images";
import { metaRoutes } from "./routes/meta";
import { productRoutes } from "./routes/products";
import { testModeRoutes } from "./routes/test-mode";
import { tryOnRoutes } from "./routes/tryon";
import { registerWebhookEvents, webhookRoutes } from "./routes/webhooks";

const withConfig: MiddlewareHandler<AppEnv> = (c, next) => {
  c.set("config", getConfig(c.env));
  return next();
};

/**
 * The whole HTTP surface. Order matters: a route answers before any
 * middleware registered after it runs, so the documentation (health, the
 * OpenAPI document, the error catalog) is registered before the maintenance
 * gate (readable while the API is down: every 503 links to it), and the signed
 * file URLs before the API-key middleware. Unknown paths fall through to
 * `notFound` (404 or 405) without an auth error.
 */
export function createApp() {
  const app = createRouter();
  app.use("*", stepTiming, requestId, accessLog, deploymentGate, withConfig);
  app.route("/", healthRoutes);
  mountOpenApi(app);
  mountLlms(app);
  registerWebhookEvents(app);

  const tryon = createRouter();
  tryon.route("/", metaRoutes);
  // The signed file URLs need no key, but are down in maintenance too.
  tryon.use("/files/*", maintenanceGate);
  tryon.route("/", fileRoutes);
  tryon.use("*", integratorGate);
  tryon.route("/", accountRoutes);
  tryon.route("/", imageRoutes);
  tryon.route("/", productRoutes);
  tryon.route("/", tryOnRoutes);
  tryon.route("/", generationRoutes);
  tryon.route("/", customerRoutes);
  tryon.route("/", webhookRoutes);
  tryon.route("/", testModeRoutes);
  app.route(API_BASE, tryon);

  // FASHN's v1 API over the same services, in FASHN's shapes and error format (docs/fashn-compat.md).
  app.route(FASHN_BASE, fashnRoutes);

  const admin = createRouter();
  admin.use("*", limitBodies, requireAdminToken);
  admin.route("/", adminAccountRoutes);
  admin.route("/", adminLogoRoutes);
  admin.route("/", adminKeyRoutes);
  admin.route("/", adminCreditRoutes);
  admin.route("/", adminEngineRoutes);
  admin.route("/", adminMaintenanceRoutes);
  admin.route("/", adminAtRestKeyRoutes);
  app.route(ADMIN_BASE, admin);

  // The remote MCP server for agents (docs/mcp.md); its tools call the routes above.
  mountMcp(app);

  // The web app (server-rendered pages, HTML errors); docs/dashboard.md.
  app.route(
    "/dashboard",
    createDashboard((req, env, ctx) => app.fetch(req, env, ctx)),
  );

  app.notFound(notFound);
  app.onError(onError);
  registerRouteTable(app.routes);
  return app;
}

export type App = ReturnType<typeof createApp>;
