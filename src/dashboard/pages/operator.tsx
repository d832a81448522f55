import type { Context } from "hono";
import { Hono } from "hono";
import type { Child } from "hono/jsx";
import { z } from "zod";
import { CreateAccountBody } from "../../schemas/admin";
import { GrantCreditsBody } from "../../schemas/credits";
import { type Account, createAccount, getAccount, listAccounts, updateAccount } from "../../services/accounts";
import { accountCosts, type CostLine, type CostReport } from "../../services/costs";
import { getCreditSummary, grantCredits } from "../../services/credits";
import { getMaintenance, setMaintenance } from "../../services/maintenance";
import { createInvite, EmailSchema, endSession, newFormToken, operatorSignIn } from "../../services/users";
import { Field, FormError, PostForm } from "../components/form";
import { TableWrap } from "../components/table-wrap";
import { Time } from "../components/time";
import { clientIp, csrfToken, dashContext } from "../context";
import { clearOperatorCookie, setFlash, setOperatorCookie } from "../cookies";
import type { DashEnv } from "../env";
import { emptyForm, type FormState, fieldErrors, optionalInt } from "../forms";
import { ensurePreSessionCsrf } from "../middleware/session";
import { renderCard, renderPage } from "../render";
import { notFoundPage } from "./errors";
import { minutes } from "./text";

/**
 * The operator console (/dashboard/operator): operator users (`users.is_operator`) or an
 * ADMIN_TOKEN session (one hour, its own cookie). Everyone else gets the dashboard's 404, so the
 * console's pages do not reveal they exist. The same services as the operator API do the work.
 */
type Operator = { kind: "user"; label: string; userId: string } | { kind: "token"; label: string };

function operatorOf(c: Context<DashEnv>): Operator | null {
  const user = c.get("signedIn")?.user;
  if (user?.isOperator) return { kind: "user", label: user.email, userId: user.id };
  if (c.get("operatorSession")) return { kind: "token", label: "ADMIN_TOKEN session" };
  return null;
}

const PAGE_SIZE = 50;
const OWNER_EMAIL = z.preprocess((v) => (typeof v === "string" ? v.trim().toLowerCase() : v), EmailSchema);
const CreateWithOwner = z.object({ owner: OWNER_EMAIL.optional() });
const accountPath = (id: string) => `/dashboard/operator/accounts/${id}`;

/**
 * The console's pages render inside the shell for an operator user, and as a wide card for a token
 * session (whose forms carry its own CSRF token, which the shell's sign-out form must not).
 */
function renderConsole(c: Context<DashEnv>, title: string, content: Child, status: 200 | 400 | 401 | 404 | 429 = 200, headers?: Record<string, string>) {
  const operator = operatorOf(c);
  const body = (
    <>
      <p class="muted">
        {`Operator console · ${operator?.label ?? ""} · `}
        <a href="/dashboard/operator">Accounts</a>
      </p>
      {content}
      {operator?.kind === "token" ? (
        <PostForm action="/dashboard/operator/sign-out" csrf={csrfToken(c)}>
          <button type="submit" class="button-link">
            End the operator session
          </button>
        </PostForm>
      ) : null}
    </>
  );
  return operator?.kind === "user" ? renderPage(c, title, body, { status, headers }) : renderCard(c, title, body, { status, headers, wide: true });
}

function SignInForm(props: { csrf: string; error?: string }) {
  return (
    <>
      <FormError message={props.error} />
      <PostForm action="/dashboard/operator/sign-in" csrf={props.csrf} label="Operator sign-in">
        <Field
          name="token"
          label="Admin token"
          type="password"
          autocomplete="off"
          required
          state={emptyForm()}
          hint="The deployment's ADMIN_TOKEN. Opens the console for one hour."
        />
        <button type="submit" class="button-primary">
          Open the console
        </button>
      </PostForm>
    </>
  );
}

function AccountTable(props: { accounts: Account[] }) {
  if (props.accounts.length === 0) return <p>No accounts match.</p>;
  return (
    <TableWrap label="Accounts">
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Id</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {props.accounts.map((a) => (
            <tr>
              <td>
                <a href={accountPath(a.id)}>{a.name}</a>
              </td>
              <td>
                <code>{a.id}</code>
              </td>
              <td>{a.status === "active" ? <span class="badge badge-completed">Active</span> : <span class="badge badge-failed">Disabled</span>}</td>
              <td>
                <Time ms={a.createdAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

async function accountsPage(c: Context<DashEnv>, extra: { state?: FormState; error?: string; status?: 200 | 400 } = {}) {
  const ctx = dashContext(c);
  const q = (c.req.query("q") ?? "").slice(0, 200);
  const cursor = c.req.query("cursor");
  const [page, maintenance] = await Promise.all([listAccounts(ctx, { limit: PAGE_SIZE, cursor }, q || undefined), getMaintenance(ctx)]);
  const csrf = csrfToken(c);
  const state = extra.state ?? emptyForm();
  const more = page.nextCursor ? `/dashboard/operator?${new URLSearchParams({ ...(q ? { q } : {}), cursor: page.nextCursor })}` : null;
  return renderConsole(
    c,
    "Operator console",
    <>
      <h2>Maintenance mode</h2>
      <p data-testid="maintenance-state">
        {maintenance.enabled
          ? `On (${maintenance.source === "environment" ? "forced by MAINTENANCE_MODE" : "set by an operator"}): the API answers 503.`
          : "Off."}
      </p>
      <PostForm
        action="/dashboard/operator/maintenance"
        csrf={csrf}
        confirm={maintenance.enabled ? undefined : "Turn maintenance mode on? Every API request will get 503."}
      >
        <input type="hidden" name="enabled" value={maintenance.enabled ? "false" : "true"} />
        <button type="submit" class={maintenance.enabled ? "button-primary" : "button-danger"}>
          {maintenance.enabled ? "Turn maintenance off" : "Turn maintenance on"}
        </button>
      </PostForm>
      <h2>Accounts</h2>
      <search>
        <form method="get" action="/dashboard/operator" aria-label="Search accounts">
          <label for="q">Search by name or exact id</label> <input id="q" name="q" type="search" value={q} maxlength={200} />{" "}
          <button type="submit">Search</button>
        </form>
      </search>
      <AccountTable accounts={page.items} />
      {more ? (
        <p>
          <a href={more}>Next page</a>
        </p>
      ) : null}
      <h2>Create an account</h2>
      <FormError message={extra.error} />
      <PostForm action="/dashboard/operator/accounts" csrf={csrf} label="Create an account">
        <Field name="name" label="Account name" required maxlength={200} state={state} />
        <Field name="owner" label="Owner's email" type="email" state={state} hint="They get an invite link (7 days) to join as owner." />
        <button type="submit" class="button-primary">
          Create account
        </button>
      </PostForm>
    </>,
    extra.status ?? 200,
  );
}

/** Millionths of a dollar as dollars, to the tenth of a cent (costs per generation are fractions of a cent). */
function usd(micros: number): string {
  const sign = micros < 0 ? "−" : "";
  return `${sign}$${(Math.abs(micros) / 1_000_000).toFixed(4)}`;
}

/** The account's upstream cost, credit revenue and margin per UTC day (days with generations), and the totals. */
function CostTable(props: { report: CostReport }) {
  const days = props.report.days.filter((d) => d.generations > 0).reverse();
  const row = (label: string, l: CostLine) => (
    <tr>
      <th scope="row">{label}</th>
      <td>{l.generations}</td>
      <td>{usd(l.costUsdMicros)}</td>
      <td>{usd(l.revenueUsdMicros)}</td>
      <td>{usd(l.marginUsdMicros)}</td>
    </tr>
  );
  return (
    <TableWrap label="Cost and margin per day">
      <table data-testid="cost-table">
        <thead>
          <tr>
            <th scope="col">Day (UTC)</th>
            <th scope="col">Generations</th>
            <th scope="col">Engine cost</th>
            <th scope="col">Revenue</th>
            <th scope="col">Margin</th>
          </tr>
        </thead>
        <tbody>
          {days.map((d) => row(d.day, d))}
          {row(`Total ${props.report.from} – ${props.report.to}`, props.report.totals)}
        </tbody>
      </table>
    </TableWrap>
  );
}

async function accountDetail(
  c: Context<DashEnv>,
  accountId: string,
  extra: { credit?: FormState; invite?: FormState; error?: string; status?: 200 | 400 } = {},
) {
  const ctx = dashContext(c);
  const account = await getAccount(ctx, accountId);
  const [credits, costs] = await Promise.all([getCreditSummary(ctx, account.id), accountCosts(ctx, account.id, {})]);
  const csrf = csrfToken(c);
  const credit = extra.credit ?? emptyForm();
  return renderConsole(
    c,
    account.name,
    <>
      <FormError message={extra.error} />
      <dl class="facts">
        <dt>Id</dt>
        <dd>
          <code>{account.id}</code>
        </dd>
        <dt>Status</dt>
        <dd data-testid="account-status">{account.status}</dd>
        <dt>Credit balance</dt>
        <dd data-testid="credit-balance">{credits.balance}</dd>
        <dt>Reserved</dt>
        <dd>{credits.reserved}</dd>
        <dt>Created</dt>
        <dd>
          <Time ms={account.createdAt} />
        </dd>
      </dl>
      <h2>Cost and margin (last 30 days)</h2>
      <p class="muted">{`Engine cost as the engines reported it; revenue: credits spent × ${usd(costs.creditPriceUsdMicros)} (CREDIT_PRICE_USD_MICROS).`}</p>
      <CostTable report={costs} />
      <h2>Grant or adjust credits</h2>
      <PostForm action={`${accountPath(account.id)}/credits`} csrf={csrf} label="Grant or adjust credits">
        {/* One ledger reference per rendered form: sending it twice grants once. */}
        <input type="hidden" name="reference" value={credit.values.reference ?? `console:${newFormToken()}`} />
        <Field name="amount" label="Amount" type="number" required state={credit} hint="Negative to take credits back (never below a zero balance)." />
        <Field name="reason" label="Reason" required maxlength={500} state={credit} hint="Kept in the account's ledger." />
        <button type="submit" class="button-primary">
          Record
        </button>
      </PostForm>
      <h2>Invite an owner</h2>
      <PostForm action={`${accountPath(account.id)}/invite`} csrf={csrf} label="Invite an owner">
        <Field name="owner" label="Email" type="email" required state={extra.invite ?? emptyForm()} />
        <button type="submit">Send invite</button>
      </PostForm>
      <h2>Status</h2>
      <PostForm
        action={`${accountPath(account.id)}/status`}
        csrf={csrf}
        confirm={account.status === "active" ? `Disable ${account.name}? Its keys and members lose access at once.` : undefined}
      >
        <input type="hidden" name="status" value={account.status === "active" ? "disabled" : "active"} />
        <button type="submit" class={account.status === "active" ? "button-danger" : "button-primary"}>
          {account.status === "active" ? "Disable the account" : "Enable the account"}
        </button>
      </PostForm>
    </>,
    extra.status ?? 200,
  );
}

const consoleRoutes = new Hono<DashEnv>()
  .use("*", async (c, next) => (operatorOf(c) ? next() : notFoundPage(c)))
  .get("/", (c) => accountsPage(c))
  .post("/accounts", async (c) => {
    const form = c.get("form");
    const state = emptyForm({ name: form.name ?? "", owner: form.owner ?? "" });
    const parsed = CreateAccountBody.safeParse({ name: form.name ?? "" });
    const owner = CreateWithOwner.safeParse({ owner: form.owner?.trim() ? form.owner : undefined });
    if (!parsed.success || !owner.success) {
      const errors = { ...(parsed.success ? {} : fieldErrors(parsed.error)), ...(owner.success ? {} : fieldErrors(owner.error)) };
      return accountsPage(c, { state: { ...state, errors }, status: 400 });
    }
    const ctx = dashContext(c);
    const account = await createAccount(ctx, parsed.data);
    if (owner.data.owner) await inviteOwner(c, account, owner.data.owner);
    setFlash(c, { kind: "success", text: owner.data.owner ? `Account created; ${owner.data.owner} is invited as its owner.` : "Account created." });
    return c.redirect(accountPath(account.id), 303);
  })
  .get("/accounts/:accountId", (c) => accountDetail(c, c.req.param("accountId")))
  .post("/accounts/:accountId/credits", async (c) => {
    const form = c.get("form");
    const accountId = c.req.param("accountId");
    const state = emptyForm({ amount: form.amount ?? "", reason: form.reason ?? "", reference: form.reference ?? "" });
    // The operator API's own body: the console grants exactly what the API would.
    const parsed = GrantCreditsBody.safeParse({ amount: optionalInt(form.amount), reason: form.reason ?? "", reference: form.reference || undefined });
    if (!parsed.success) return accountDetail(c, accountId, { credit: { ...state, errors: fieldErrors(parsed.error) }, status: 400 });
    const result = await grantCredits(dashContext(c), accountId, parsed.data);
    setFlash(c, {
      kind: "success",
      text: result.duplicate
        ? "Already recorded (this form was sent before): nothing changed."
        : `Recorded ${parsed.data.amount} credits: "${parsed.data.reason}".`,
    });
    return c.redirect(accountPath(accountId), 303);
  })
  .post("/accounts/:accountId/invite", async (c) => {
    const accountId = c.req.param("accountId");
    const form = c.get("form");
    const owner = OWNER_EMAIL.safeParse(form.owner ?? "");
    if (!owner.success)
      return accountDetail(c, accountId, {
        invite: { values: { owner: form.owner ?? "" }, errors: { owner: owner.error.issues[0]?.message ?? "Enter an email." } },
        status: 400,
      });
    await inviteOwner(c, await getAccount(dashContext(c), accountId), owner.data);
    setFlash(c, { kind: "success", text: `${owner.data} is invited as an owner.` });
    return c.redirect(accountPath(accountId), 303);
  })
  .post("/accounts/:accountId/status", async (c) => {
    const accountId = c.req.param("accountId");
    const status = c.get("form").status === "active" ? "active" : "disabled";
    const account = await updateAccount(dashContext(c), accountId, { status });
    setFlash(c, { kind: "success", text: `${account.name} is ${account.status === "active" ? "enabled" : "disabled: its keys and members lost access"}.` });
    return c.redirect(accountPath(accountId), 303);
  })
  .post("/maintenance", async (c) => {
    const enabled = c.get("form").enabled === "true";
    const state = await setMaintenance(dashContext(c), { enabled });
    setFlash(c, {
      kind: state.enabled ? "info" : "success",
      text: state.enabled ? "Maintenance mode is on: the API answers 503." : "Maintenance mode is off.",
    });
    return c.redirect("/dashboard/operator", 303);
  })
  .post("/sign-out", async (c) => {
    const session = c.get("operatorSession");
    if (session) await endSession(dashContext(c), session.id);
    clearOperatorCookie(c);
    return c.redirect("/dashboard/operator/sign-in", 303);
  });

async function inviteOwner(c: Context<DashEnv>, account: Account, email: string): Promise<void> {
  const operator = operatorOf(c);
  await createInvite(dashContext(c), {
    accountId: account.id,
    accountName: account.name,
    email,
    role: "owner",
    invitedByUserId: operator?.kind === "user" ? operator.userId : null,
  });
}

export const operatorPages = new Hono<DashEnv>()
  .get("/operator/sign-in", ensurePreSessionCsrf, (c) => {
    if (operatorOf(c)) return c.redirect("/dashboard/operator", 303);
    return renderCard(c, "Operator sign-in", <SignInForm csrf={csrfToken(c)} />);
  })
  .post("/operator/sign-in", async (c) => {
    const result = await operatorSignIn(dashContext(c), c.get("form").token ?? "", clientIp(c));
    if (!result.ok) {
      const throttled = result.reason === "throttled";
      const error = throttled ? `Too many attempts. Try again in ${minutes(result.retryAfterSeconds)}.` : "That token does not open the console.";
      return renderCard(c, "Operator sign-in", <SignInForm csrf={csrfToken(c)} error={error} />, {
        status: throttled ? 429 : 401,
        headers: throttled ? { "retry-after": String(result.retryAfterSeconds) } : undefined,
      });
    }
    setOperatorCookie(c, result.token);
    return c.redirect("/dashboard/operator", 303);
  })
  .route("/operator", consoleRoutes);
