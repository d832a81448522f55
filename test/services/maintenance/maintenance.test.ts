import { describe, expect, it } from "vitest";
import { signedFileUrl } from "../../../src/lib/signing";
import { MaintenanceSchema } from "../../../src/schemas/credits";
import { RETENTION_CLASSES } from "../../../src/services/images";
import { admin, api, call, createAccount, env, expectEnvelope, readWire } from "../../helpers/harness";

describe("maintenance mode", () => {
  it("answers 503 SERVICE_UNAVAILABLE + Retry-After on /tryon/v1, keeps health, the documentation and operator routes, and turns off", async () => {
    const acct = await createAccount();
    expect((await api(acct, "/account")).status).toBe(200);
    // A validly signed URL to a file that is not stored: 404 when up, so a 503 below is the gate's.
    const file = signedFileUrl(env.FILE_SIGNING_SECRET, `${RETENTION_CLASSES[0]}/acc_x/missing.png`, 600).url;
    await expectEnvelope(await call(file), 404, "IMAGE_NOT_FOUND");

    const on = await admin("/admin/v1/maintenance", { method: "PUT", json: { enabled: true, retryAfterSeconds: 300 } });
    expect(on.status).toBe(200);
    expect(await readWire(on, MaintenanceSchema)).toMatchObject({ enabled: true, retryAfterSeconds: 300, source: "operator" });

    for (const res of [
      await api(acct, "/account"),
      await api(acct, "/account/credits"),
      await api(acct, "/webhooks", { method: "POST", json: { url: "https://x.example.com/h" } }),
      await call("/tryon/v1/account"), // before auth: no key needed to learn it is down
      await call("/tryon/v1/no-such-route"),
      await call(file), // the signed file URLs need no key, but are down too
    ]) {
      const body = await expectEnvelope(res, 503, "SERVICE_UNAVAILABLE");
      expect(res.headers.get("retry-after")).toBe("300");
      // The page the 503 links to stays readable while the API is down.
      expect((await call(new URL(body.docUrl).pathname)).status).toBe(200);
    }
    // FASHN's API is down too, in FASHN's error shape.
    const fashn = await call("/v1/credits", { headers: { authorization: `Bearer ${acct.key}` } });
    expect(fashn.status).toBe(503);
    expect(fashn.headers.get("retry-after")).toBe("300");
    expect((await call("/healthz")).status).toBe(200);
    for (const doc of ["/tryon/v1/errors", "/tryon/v1/openapi.json", "/tryon/v1/docs"]) expect((await call(doc)).status).toBe(200);
    expect((await admin("/admin/v1/accounts")).status).toBe(200);
    expect(await (await admin("/admin/v1/maintenance")).json()).toMatchObject({ enabled: true });

    const off = await admin("/admin/v1/maintenance", { method: "PUT", json: { enabled: false } });
    expect(off.status).toBe(200);
    expect((await api(acct, "/account")).status).toBe(200);
    await expectEnvelope(await call(file), 404, "IMAGE_NOT_FOUND");
  });

  it("default Retry-After comes from configuration; bad bodies are refused", async () => {
    expect((await admin("/admin/v1/maintenance", { method: "PUT", json: { enabled: true } })).status).toBe(200);
    const res = await call("/tryon/v1/account");
    await expectEnvelope(res, 503, "SERVICE_UNAVAILABLE");
    expect(res.headers.get("retry-after")).toBe("120");
    expect((await admin("/admin/v1/maintenance", { method: "PUT", json: { enabled: false } })).status).toBe(200);
    await expectEnvelope(await admin("/admin/v1/maintenance", { method: "PUT", json: { enabled: "yes" } }), 400, "VALIDATION_FAILED");
    await expectEnvelope(await call("/admin/v1/maintenance", { method: "PUT" }), 401, "MISSING_API_KEY");
  });
});
