import { Hono } from "hono";
import { retryAccountDelivery } from "../../services/webhooks";
import { dashContext } from "../context";
import { setFlash } from "../cookies";
import type { DashEnv } from "../env";
import { safeNext } from "../middleware/session";
import { allowed } from "./guard";

export const webhookPages = new Hono<DashEnv>().post("/webhooks/deliveries/:deliveryId/retry", async (c) => {
  const ok = allowed(c, "webhooks");
  if (ok instanceof Response) return ok;
  const back = safeNext(c.get("form").back ?? "/dashboard/webhooks");
  // Another account's delivery is WEBHOOK_NOT_FOUND: a 404 page, like a missing one.
  const delivery = await retryAccountDelivery(dashContext(c), ok.accountId, c.req.param("deliveryId"));
  setFlash(c, { kind: "success", text: `Delivery ${delivery.id} is queued for one more attempt now.` });
  return c.redirect(back, 303);
});
