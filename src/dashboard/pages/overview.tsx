import { Hono } from "hono";
import { getCreditSummary } from "../../services/credits";
import { listGenerationViews } from "../../services/generations";
import type { SignedIn } from "../../services/users";
import { PostForm } from "../components/form";
import { TableWrap } from "../components/table-wrap";
import { csrfToken, dashContext, signedInOf } from "../context";
import type { DashEnv } from "../env";
import { renderPage } from "../render";

const RECENT = 10;

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
  const accountId = signedIn.current.accountId;
  const [credits, recent] = await Promise.all([getCreditSummary(ctx, accountId), listGenerationViews(ctx, accountId, { limit: RECENT })]);
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
      <section aria-labelledby="recent-heading">
        <h2 id="recent-heading">Recent generations</h2>
        {recent.items.length === 0 ? (
          <p>
            No generations yet. Create an <a href="/dashboard/keys">API key</a> and send your first try-on.
          </p>
        ) : (
          <TableWrap label="Recent generations">
            <table>
              <thead>
                <tr>
                  <th scope="col">Generation</th>
                  <th scope="col">Status</th>
                  <th scope="col">Product</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {recent.items.map((g) => (
                  <tr>
                    <td>
                      <code>{g.generationId}</code>
                    </td>
                    <td>
                      <span class={`badge badge-${g.status.toLowerCase()}`}>{g.status}</span>
                      {g.errorCode ? <span class="muted">{` ${g.errorCode}`}</span> : null}
                    </td>
                    <td>{g.productExternalId}</td>
                    <td>
                      <time datetime={g.createdAt}>{`${g.createdAt.slice(0, 16).replace("T", " ")} UTC`}</time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
    </>,
  );
});
