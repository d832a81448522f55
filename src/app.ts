import type { MiddlewareHandler } from "hono";
import { getConfig } from "./config";
import type { AppEnv } from "./env";
import { accessLog } from "./http/access-log";
import { admission } from "./http/admission";
import { requireAdminToken, requireApiKey } from "./http/auth";
import { limitBodies } from "./http/body-limit";
import { notFound, onError } from "./http/errors";
import { mountOpenApi } from "./http/openapi";
import { requestId } from "./http/request-id";
import { registerRouteTable } from "./http/route-table";
import { createRouter } from "./http/router";
import { accountRoutes } from "./routes/account";
import { accountRoutes as adminAccountRoutes } from "./routes/admin/accounts";
import { keyRoutes as adminKeyRoutes } from "./routes/admin/keys";
import { healthRoutes } from "./routes/health";
import { metaRoutes } from "./routes/meta";

const withConfig: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("config", getConfig(c.env));
  await next();
};

/**
 * The whole HTTP surface. Order matters: public routes are registered before
 * the auth middleware, so they never run it; unknown paths fall through to
 * `notFound` (404 or 405) without an auth error.
 */
export function createApp() {
  const app = createRouter();
  app.use("*", requestId, accessLog, withConfig);
  app.route("/", healthRoutes);
  mountOpenApi(app);

  const tryon = createRouter();
  tryon.route("/", metaRoutes);
  tryon.use("*", limitBodies, requireApiKey, admission);
  tryon.route("/", accountRoutes);
  app.route("/tryon/v1", tryon);

  const admin = createRouter();
  admin.use("*", limitBodies, requireAdminToken);
  admin.route("/", adminAccountRoutes);
  admin.route("/", adminKeyRoutes);
  app.route("/admin/v1", admin);

  app.notFound(notFound);
  app.onError(onError);
  registerRouteTable(app.routes);
  return app;
}

export type App = ReturnType<typeof createApp>;
