import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CreatedWebhookEndpointSchema } from "../../../src/schemas/webhooks";
import { api, createAccount, readWire } from "../../helpers/harness";
import { accountGateStub } from "../credits/helpers";

// A stored first response can carry a secret shown once (a new endpoint's
// whsec_…); idempotency records must not keep it in plaintext.
describe("stored idempotent responses are encrypted at rest", () => {
  it("POST /webhooks with an Idempotency-Key: the DO holds no plaintext secret, and the replay returns it", async () => {
    const acct = await createAccount();
    const send = () =>
      api(acct, "/webhooks", { method: "POST", headers: { "idempotency-key": "create-hook-1" }, json: { url: "https://hooks.example.com/drape" } });
    const first = await send();
    expect(first.status).toBe(201);
    const created = await readWire(first, CreatedWebhookEndpointSchema);
    expect(created.secret).toMatch(/^whsec_/);

    const rows = await runInDurableObject(accountGateStub(env, acct.accountId), (_obj, state) =>
      state.storage.sql.exec("SELECT * FROM idempotency WHERE key = ?", "create-hook-1").toArray(),
    );
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows, (_k, v: unknown) => (v instanceof ArrayBuffer ? new TextDecoder().decode(v) : v));
    expect(stored).not.toContain(created.secret);
    expect(stored).not.toContain(created.secret.slice(6, 20));
    expect(stored).not.toContain(created.id);

    const replay = await send();
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await readWire(replay, CreatedWebhookEndpointSchema)).toEqual(created);
  });
});
