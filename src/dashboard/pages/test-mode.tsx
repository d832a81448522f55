import { Hono } from "hono";
import { eraseTestData } from "../../services/test-mode";
import { can } from "../../services/users";
import { dashContext, dataAccountId, inTestMode, signedInOf } from "../context";
import { clearTestModeCookie, setFlash, setTestModeCookie } from "../cookies";
import type { DashEnv } from "../env";
import { safeNext } from "../middleware/session";
import { errorPage } from "./errors";

/**
 * The test-mode switch (docs/test-mode.md): a cookie bound to the session turns the data pages
 * over to the current account's test twin (`dataAccountId`), and "Delete all test data" erases
 * that twin with the same service as `DELETE /tryon/v1/test/data`.
 */
export const testModePages = new Hono<DashEnv>()
  .post("/mode", (c) => {
    const form = c.get("form");
    const signedIn = signedInOf(c);
    if (form.mode === "test") {
      setTestModeCookie(c, signedIn.session.id);
      setFlash(c, { kind: "info", text: "Test mode is on: you see and change test data only, and new keys are test keys (dr_test_)." });
    } else {
      clearTestModeCookie(c);
      setFlash(c, { kind: "info", text: "Test mode is off: you see live data." });
    }
    return c.redirect(safeNext(form.next), 303);
  })
  .post("/test-data/delete", async (c) => {
    const current = signedInOf(c).current;
    if (!current || !can(current.role, "keys")) return errorPage(c, 403, "Not allowed", "Your role on this account cannot delete test data.");
    if (!inTestMode(c)) return errorPage(c, 409, "Not in test mode", "Switch to test mode to delete test data. Live data is never deleted here.");
    const erased = await eraseTestData(dashContext(c), dataAccountId(c));
    const n = (k: number, one: string, many = `${one}s`) => `${k} ${k === 1 ? one : many}`;
    setFlash(c, {
      kind: "success",
      text: `Test data deleted: ${n(erased.generations, "generation")}, ${n(erased.products, "product")}, ${n(erased.images, "image")}, ${n(erased.webhookEndpoints, "webhook endpoint")}, ${n(erased.webhookDeliveries, "delivery", "deliveries")}. Test balance reset to ${erased.creditBalance}.`,
    });
    return c.redirect("/dashboard/keys", 303);
  });
