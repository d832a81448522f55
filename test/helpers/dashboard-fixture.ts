import { CreatedApiKeySchema } from "../../src/schemas/admin";
import { onGenerationFinished } from "../../src/services/generations/events";
import type { RouteIds } from "./dashboard-routes";
import { admin, env, readWire } from "./harness";
import { registerProduct } from "./pipeline";
import { createEndpoint, insertGeneration } from "./webhooks";

/**
 * The objects the dashboard's parameterised routes need, created in `accountId` as an integrator
 * would (a key of the operator API, the public API for the product and the endpoint) plus a
 * finished generation whose webhook made a delivery to that endpoint. Returns the ids under the
 * parameter names test/helpers/dashboard-routes.ts uses. The webhook queue must be captured or
 * silenced by the caller (the delivery is queued).
 */
export async function dashboardFixture(accountId: string): Promise<RouteIds> {
  const res = await admin(`/admin/v1/accounts/${accountId}/keys`, { method: "POST", json: { name: "fixture-api" } });
  if (res.status !== 201) throw new Error(`key create failed: ${res.status} ${await res.text()}`);
  const key = await readWire(res, CreatedApiKeySchema);
  const acct = { accountId, keyId: key.id, key: key.key };
  const externalId = await registerProduct(acct, `fixture-${crypto.randomUUID().slice(0, 8)}`, "Fixture shirt");
  const endpoint = await createEndpoint(acct, { events: ["generation.completed", "generation.failed"] });
  const generationId = await insertGeneration(accountId, { status: "COMPLETED" });
  await onGenerationFinished(env, { accountId, generationId, status: "COMPLETED", webhookUrl: null });
  const delivery = await env.DB.prepare("SELECT id FROM webhook_deliveries WHERE account_id = ? AND generation_id = ? LIMIT 1")
    .bind(accountId, generationId)
    .first<{ id: string }>();
  if (!delivery) throw new Error("the fixture generation made no webhook delivery");
  return { externalId, endpointId: endpoint.id, generationId, deliveryId: delivery.id };
}
