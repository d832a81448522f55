import { Hono } from "hono";
import { apiPath } from "../../lib/api-paths";
import { getCreditSummary } from "../../services/credits";
import { listGenerationViews, recentErrorCodes, usageByDay } from "../../services/generations";
import { can, type SignedIn } from "../../services/users";
import { PostForm } from "../components/form";
import { TableWrap } from "../components/table-wrap";
import { UsageChart } from "../components/usage-chart";
import { csrfToken, dashContext, dataAccountId, signedInOf } from "../context";
import type { DashEnv } from "../env";
import { renderPage } from "../render";
import { GenerationTable } from "./generations";

const RECENT = 10;
const CHART_DAYS = 30;
const ERROR_DAYS = 7;

/** The banner of a user who has not verified their email yet (keys need it). */
export function VerifyBanner(props: { signedIn: SignedIn; csrf: string }) {
  if (props.signedIn.user.emailVerifiedAt !== null) return null;
  return (
    <div class="alert alert-info" role="status">
      <p>{`Verify ${props.signedIn.user.email} to create API keys: open the link we emailed you.`}</p>
      <PostForm action="/dashboard/verify-email/resend" csrf={props.csrf} class="inline-form">
        <button type="submit" class="button-small">
          Send a new link
        </button>
      </PostForm>
    </div>
  );
}

/** For a user who belongs to no account (removed from all of them). */
export function NoAccount() {
  return <p>You are not a member of any active account. Ask an account owner for an invitation.</p>;
}

export const overviewPages = new Hono<DashEnv>().get("/", async (c) => {
  const signedIn = signedInOf(c);
  const csrf = csrfToken(c);
  if (!signedIn.current) {
    return renderPage(
      c,
      "Overview",
      <>
        <VerifyBanner signedIn={signedIn} csrf={csrf} />
        <NoAccount />
      </>,
    );
  }
  const ctx = dashContext(c);
  const accountId = dataAccountId(c);
  const seesGenerations = can(signedIn.current.role, "generations");
  const [credits, recent, usage, errors] = await Promise.all([
    getCreditSummary(ctx, accountId),
    seesGenerations ? listGenerationViews(ctx, accountId, { limit: RECENT }) : null,
    usageByDay(ctx, accountId, CHART_DAYS),
    recentErrorCodes(ctx, accountId, ERROR_DAYS),
  ]);
  return renderPage(
    c,
    "Overview",
    <>
      <VerifyBanner signedIn={signedIn} csrf={csrf} />
      <section aria-labelledby="credits-heading">
        <h2 id="credits-heading">Credits</h2>
        <dl class="stats">
          <div class="stat">
            <dt>Balance</dt>
            <dd data-testid="credit-balance">{credits.balance}</dd>
          </div>
          <div class="stat">
            <dt>Reserved</dt>
            <dd data-testid="credit-reserved">{credits.reserved}</dd>
          </div>
          <div class="stat">
            <dt>Spent today</dt>
            <dd>{credits.usageToday.committed}</dd>
          </div>
        </dl>
        <p class="muted">A completed generation spends one credit; failed and cancelled ones spend none.</p>
      </section>
      <section aria-labelledby="usage-heading">
        <h2 id="usage-heading">Usage</h2>
        <UsageChart days={usage} />
      </section>
      <section aria-labelledby="errors-heading">
        <h2 id="errors-heading">{`Error codes, last ${ERROR_DAYS} days`}</h2>
        {errors.length === 0 ? (
          <p>No failed generations in the last {ERROR_DAYS} days.</p>
        ) : (
          <TableWrap label="Error codes">
            <table>
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">Generations</th>
                </tr>
              </thead>
              <tbody>
                {errors.map((e) => (
                  <tr data-error-code={e.code}>
                    <td>
                      <a href={apiPath(`/errors/${e.code}`)}>
                        <code>{e.code}</code>
                      </a>
                    </td>
                    <td class="num">{e.n}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
      {recent ? (
        <section aria-labelledby="recent-heading">
          <h2 id="recent-heading">Recent generations</h2>
          {recent.items.length === 0 ? (
            <p>
              No generations yet. Create an <a href="/dashboard/keys">API key</a> and send your first try-on.
            </p>
          ) : (
            <>
              <GenerationTable items={recent.items} />
              <p>
                <a href="/dashboard/generations">All generations</a>
              </p>
            </>
          )}
        </section>
      ) : null}
    </>,
  );
});
