import { backgroundContext } from "../../src/context";
import { CreatedApiKeySchema } from "../../src/schemas/admin";
import { onGenerationFinished } from "../../src/services/generations/events";
import { createInvite, signUp } from "../../src/services/users";
import { GOOD_PASSWORD, uniqueEmail } from "./dashboard";
import type { RouteIds } from "./dashboard-routes";
import { admin, env, readWire } from "./harness";
import { registerProduct } from "./pipeline";
import { createEndpoint, insertGeneration } from "./webhooks";

/**
 * The objects the dashboard's parameterised routes need, created in `accountId` as an integrator
 * would (a key of the operator API, the public API for the product and the endpoint) plus a
 * finished generation whose webhook made a delivery to that endpoint; for the members page a
 * pending invite and a second member (a developer who joined through an invite); for the account
 * page a passkey of the account's first owner. Returns the ids under the parameter names
 * test/helpers/dashboard-routes.ts uses. The webhook queue must be captured or silenced by the
 * caller (the delivery is queued).
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
  return { externalId, endpointId: endpoint.id, generationId, deliveryId: delivery.id, ...(await peopleFixture(accountId)) };
}

/** A pending invite, a developer who joined through another one, and a passkey of the first owner. */
async function peopleFixture(accountId: string): Promise<RouteIds> {
  const ctx = backgroundContext(env);
  const invite = (name: string) => createInvite(ctx, { accountId, accountName: name, email: uniqueEmail(name), role: "developer", invitedByUserId: null });
  const pending = await invite("pending");
  const joining = await invite("joined");
  const token = new URL(joining.url).searchParams.get("invite") ?? "";
  const joined = await signUp(ctx, { email: joining.invite.email, password: GOOD_PASSWORD, inviteToken: token, ip: null });
  if (!joined.ok || joined.kind !== "joined") throw new Error(`the fixture member could not join: ${JSON.stringify(joined)}`);
  const owner = await env.DB.prepare("SELECT user_id AS id FROM memberships WHERE account_id = ? AND role = 'owner' ORDER BY created_at LIMIT 1")
    .bind(accountId)
    .first<{ id: string }>();
  if (!owner) throw new Error("the fixture account has no owner");
  // A stored passkey as registration leaves it (test/dashboard/passkeys.test.ts registers real ones).
  const passkeyId = `fixture-${crypto.randomUUID()}`;
  await env.DB.prepare("INSERT INTO passkeys (id, user_id, public_key, counter, transports, name, created_at) VALUES (?, ?, ?, 0, NULL, ?, ?)")
    .bind(passkeyId, owner.id, "fixture-public-key", "Fixture key", Date.now())
    .run();
  return { inviteId: pending.invite.id, userId: joined.userId, passkeyId };
}
