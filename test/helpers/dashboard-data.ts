import { CreatedApiKeySchema } from "../../src/schemas/admin";
import { grantCredits } from "../services/credits/helpers";
import { type TestBrowser, verifiedUser } from "./dashboard";
import { admin, env, readWire, type TestAccount } from "./harness";

/** The account a dashboard user's sign-up created. */
export async function accountOf(email: string): Promise<string> {
  const row = await env.DB.prepare(
    "SELECT m.account_id AS a FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ? ORDER BY m.created_at LIMIT 1",
  )
    .bind(email)
    .first<{ a: string }>();
  if (!row) throw new Error(`no membership for ${email}`);
  return row.a;
}

/**
 * A verified owner signed in to the dashboard, and an API key of the same account (minted by the
 * operator API) to create data through the API, as an integrator's server would.
 */
export async function ownerWithKey(credits = 0): Promise<{ browser: TestBrowser; email: string; acct: TestAccount }> {
  const { browser, email } = await verifiedUser();
  const accountId = await accountOf(email);
  const res = await admin(`/admin/v1/accounts/${accountId}/keys`, { method: "POST", json: { name: "test" } });
  if (res.status !== 201) throw new Error(`key create failed: ${res.status} ${await res.text()}`);
  const key = await readWire(res, CreatedApiKeySchema);
  if (credits > 0) await grantCredits(accountId, credits);
  return { browser, email, acct: { accountId, keyId: key.id, key: key.key } };
}

/** Another verified user, added to `accountId` with `role` and switched to it. */
export async function memberOf(accountId: string, role: "owner" | "developer"): Promise<{ browser: TestBrowser; email: string }> {
  const member = await verifiedUser();
  const userId = (await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(member.email).first<{ id: string }>())?.id;
  const now = Date.now();
  await env.DB.prepare("INSERT INTO memberships (account_id, user_id, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
    .bind(accountId, userId, role, now, now)
    .run();
  await member.browser.get("/dashboard");
  const switched = await member.browser.post("/dashboard/switch-account", { accountId, next: "/dashboard" });
  if (switched.status !== 303) throw new Error(`switch answered ${switched.status}`);
  return member;
}
