import { Hono } from "hono";
import { PaginationQuerySchema } from "../../schemas/common";
import { getCreditLedger } from "../../services/credits";
import { TableWrap } from "../components/table-wrap";
import { Time } from "../components/time";
import { dashContext } from "../context";
import type { DashEnv } from "../env";
import { renderPage } from "../render";
import { errorPage } from "./errors";
import { allowed } from "./guard";

const PAGE_SIZE = 50;

const KIND_LABEL = {
  grant: "Grant",
  adjust: "Adjustment",
  reserve: "Reserve",
  commit: "Commit",
  refund: "Refund",
  lease: "Lease to key",
  lease_return: "Lease return",
} as const;

/** The credit ledger, newest first: the AccountGate's own entries (the operator API's list), cursor paged. */
export const creditPages = new Hono<DashEnv>().get("/credits", async (c) => {
  const ok = allowed(c, "credits");
  if (ok instanceof Response) return ok;
  const query = PaginationQuerySchema.safeParse({ limit: PAGE_SIZE, cursor: c.req.query("cursor") || undefined });
  if (!query.success) return errorPage(c, 400, "Bad page link", "This page link is not valid. Start from the first page.");
  const { summary, ledger } = await getCreditLedger(dashContext(c), ok.accountId, query.data, c.get("mode"));
  return renderPage(
    c,
    "Credits",
    <>
      <dl class="stats">
        <div class="stat">
          <dt>Balance</dt>
          <dd data-testid="credit-balance">{summary.balance}</dd>
        </div>
        <div class="stat">
          <dt>Reserved</dt>
          <dd>{summary.reserved}</dd>
        </div>
        <div class="stat">
          <dt>Spent (all time)</dt>
          <dd>{summary.spent}</dd>
        </div>
        <div class="stat">
          <dt>Granted (net)</dt>
          <dd>{summary.granted}</dd>
        </div>
      </dl>
      <p class="muted">
        A try-on reserves one credit when it is accepted; completing commits it, failing or cancelling refunds it. Grants and adjustments come from sign-up and
        from operators.
      </p>
      <h2>Ledger</h2>
      {ledger.items.length === 0 ? (
        <p>No ledger entries yet.</p>
      ) : (
        <TableWrap label="Credit ledger">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Entry</th>
                <th scope="col">Amount</th>
                <th scope="col">Balance after</th>
                <th scope="col">Reason</th>
                <th scope="col">Reference</th>
              </tr>
            </thead>
            <tbody>
              {ledger.items.map((e) => (
                <tr data-entry={e.id}>
                  <td>
                    <Time ms={e.createdAt} />
                  </td>
                  <td>{KIND_LABEL[e.kind]}</td>
                  <td class="num">{e.amount > 0 ? `+${e.amount}` : String(e.amount)}</td>
                  <td class="num">{e.balanceAfter}</td>
                  <td class="wrap">{e.reason}</td>
                  <td class="wrap">
                    {e.generationId ? (
                      <a href={`/dashboard/generations/${e.generationId}`}>
                        <code>{e.generationId}</code>
                      </a>
                    ) : e.reference ? (
                      <code>{e.reference}</code>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <nav class="pager" aria-label="Pages">
        {c.req.query("cursor") ? <a href="/dashboard/credits">Newest entries</a> : null}
        {ledger.nextCursor ? <a href={`/dashboard/credits?cursor=${encodeURIComponent(ledger.nextCursor)}`}>Older entries</a> : null}
      </nav>
    </>,
  );
});
