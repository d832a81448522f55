import { getConfig } from "../config";
import { getDb } from "../db/client";
import { now } from "../lib/clock";
import { newId } from "../lib/ids";
import type { ServiceContext } from "./service-context";

/** A service context for work outside a request (queue consumers, cron). */
export function backgroundContext(env: Env, requestId: string = newId("request")): ServiceContext {
  const config = getConfig(env);
  return { env, config, db: getDb(env.DB), requestId, now, baseUrl: config.PUBLIC_BASE_URL };
}
