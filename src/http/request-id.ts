import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { newId } from "../lib/ids";

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Echoes a sane inbound `x-request-id`, else mints `req_…`; every response carries it. */
export const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  const inbound = c.req.header("x-request-id");
  const id = inbound && SANE_REQUEST_ID.test(inbound) ? inbound : newId("request");
  c.set("requestId", id);
  await next();
  c.res.headers.set("x-request-id", id);
};
