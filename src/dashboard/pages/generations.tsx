import type { Context } from "hono";
import { Hono } from "hono";
import { ApiError } from "../../errors";
import { apiPath } from "../../lib/api-paths";
import { GENERATION_STATUSES } from "../../schemas/generation-status";
import type { GenerationView } from "../../schemas/generations";
import { GenerationListQuerySchema } from "../../schemas/tryon-generations";
import { cancelGeneration, type DetailImage, type GenerationDetail, listGenerationViews, loadGenerationDetail } from "../../services/generations";
import { can } from "../../services/users";
import { listAccountDeliveries } from "../../services/webhooks";
import { DeliveryTable } from "../components/deliveries";
import { Field, PostForm } from "../components/form";
import { FilterForm, SelectField } from "../components/select-field";
import { TableWrap } from "../components/table-wrap";
import { Time } from "../components/time";
import { csrfToken, dashContext } from "../context";
import { setFlash } from "../cookies";
import type { DashEnv } from "../env";
import { type FormState, fieldErrors } from "../forms";
import { renderPage } from "../render";
import { notFoundPage } from "./errors";
import { allowed } from "./guard";

const PAGE_SIZE = 25;
const FILTERS = ["status", "productExternalId", "externalUserId", "from", "to"] as const;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

const iso = (s: string) => <time datetime={s}>{`${s.slice(0, 16).replace("T", " ")} UTC`}</time>;

export function StatusBadge(props: { g: Pick<GenerationView, "status" | "errorCode"> }) {
  return (
    <>
      <span class={`badge badge-${props.g.status.toLowerCase()}`}>{props.g.status}</span>
      {props.g.errorCode ? <span class="muted">{` ${props.g.errorCode}`}</span> : null}
    </>
  );
}

/** A generations table (the list, and the overview's recent ones). */
export function GenerationTable(props: { items: GenerationView[] }) {
  return (
    <TableWrap label="Generations">
      <table>
        <thead>
          <tr>
            <th scope="col">Generation</th>
            <th scope="col">Status</th>
            <th scope="col">Product</th>
            <th scope="col">End user</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((g) => (
            <tr>
              <td>
                <a href={`/dashboard/generations/${g.generationId}`}>
                  <code>{g.generationId}</code>
                </a>
              </td>
              <td>
                <StatusBadge g={g} />
              </td>
              <td class="wrap">{g.productExternalId}</td>
              <td class="wrap">{g.externalUserId ?? <span class="muted">—</span>}</td>
              <td>{iso(g.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** A day of the date filter as the API's instant: `from` is its first millisecond, `to` its last (UTC). */
function dayBound(raw: string, end: boolean): string | undefined {
  if (raw === "") return undefined;
  return DAY_PATTERN.test(raw) ? `${raw}T${end ? "23:59:59.999" : "00:00:00.000"}Z` : raw;
}

/** The filters typed (as the form shows them back), read with the API's own list query schema. */
function readFilters(c: Context<DashEnv>) {
  const values: Record<string, string> = {};
  for (const name of FILTERS) values[name] = (c.req.query(name) ?? "").trim();
  const parsed = GenerationListQuerySchema.safeParse({
    limit: PAGE_SIZE,
    cursor: c.req.query("cursor") || undefined,
    status: values.status || undefined,
    productExternalId: values.productExternalId || undefined,
    externalUserId: values.externalUserId || undefined,
    from: dayBound(values.from ?? "", false),
    to: dayBound(values.to ?? "", true),
  });
  const state: FormState = { values, errors: parsed.success ? {} : fieldErrors(parsed.error) };
  if (parsed.success && parsed.data.from !== undefined && parsed.data.to !== undefined && parsed.data.from > parsed.data.to) {
    state.errors.from = "The first day is after the last one.";
  }
  return { state, query: parsed.success && Object.keys(state.errors).length === 0 ? parsed.data : null };
}

/** The list with the same filters, at `cursor` (the first page without one). */
function listLink(values: Record<string, string>, cursor?: string): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== "") q.set(k, v);
  if (cursor) q.set("cursor", cursor);
  const query = q.toString();
  return query ? `/dashboard/generations?${query}` : "/dashboard/generations";
}

function Filters(props: { state: FormState }) {
  return (
    <FilterForm action="/dashboard/generations" label="Filter generations">
      <SelectField
        name="status"
        label="Status"
        state={props.state}
        options={[{ value: "", label: "Any status" }, ...GENERATION_STATUSES.map((s) => ({ value: s, label: s }))]}
      />
      <Field name="productExternalId" label="Product" maxlength={256} state={props.state} />
      <Field name="externalUserId" label="End user" maxlength={256} state={props.state} />
      <Field name="from" label="From (UTC day)" type="date" state={props.state} />
      <Field name="to" label="To (UTC day)" type="date" state={props.state} />
      <div class="field">
        <button type="submit">Filter</button> <a href="/dashboard/generations">Clear</a>
      </div>
    </FilterForm>
  );
}

async function listPage(c: Context<DashEnv>) {
  const ok = allowed(c, "generations");
  if (ok instanceof Response) return ok;
  const { state, query } = readFilters(c);
  if (!query) {
    return renderPage(
      c,
      "Generations",
      <>
        <Filters state={state} />
        <p role="alert">Correct the filters above.</p>
      </>,
      { status: 400 },
    );
  }
  const page = await listGenerationViews(dashContext(c), ok.dataAccountId, query);
  const filtered = FILTERS.some((f) => state.values[f] !== "");
  return renderPage(
    c,
    "Generations",
    <>
      <Filters state={state} />
      {page.items.length === 0 ? <p>{filtered ? "No generation matches these filters." : "No generations yet."}</p> : <GenerationTable items={page.items} />}
      <nav class="pager" aria-label="Pages">
        {c.req.query("cursor") ? <a href={listLink(state.values)}>First page</a> : null}
        {page.nextCursor ? <a href={listLink(state.values, page.nextCursor)}>Next page</a> : null}
      </nav>
    </>,
  );
}

function Thumb(props: { image: DetailImage }) {
  return (
    <li>
      <figure>
        {props.image.url ? (
          <a href={props.image.url}>
            <img src={props.image.url} alt={props.image.label} loading="lazy" />
          </a>
        ) : (
          <p class="muted">No longer stored</p>
        )}
        <figcaption>{props.image.label}</figcaption>
      </figure>
    </li>
  );
}

/** Millionths of a dollar as dollars, to the tenth of a cent. */
const usd = (micros: number): string => `$${(micros / 1_000_000).toFixed(4)}`;

/** The engines tried, in order; the upstream cost column is shown to operators only (it is Drape's cost, not the account's price). */
function EngineAttempts(props: { attempts: GenerationDetail["engineAttempts"]; total: number | null; showCost: boolean }) {
  if (props.attempts.length === 0) return null;
  return (
    <>
      <h2>Engines tried</h2>
      <TableWrap label="Engines tried">
        <table data-testid="engine-attempts">
          <thead>
            <tr>
              <th scope="col">Engine</th>
              <th scope="col">Outcome</th>
              <th scope="col">Code</th>
              <th scope="col">Time</th>
              {props.showCost ? <th scope="col">Upstream cost</th> : null}
            </tr>
          </thead>
          <tbody>
            {props.attempts.map((a) => (
              <tr>
                <td>
                  <code>{a.engine}</code>
                </td>
                <td>{a.outcome}</td>
                <td>{a.code ? <code>{a.code}</code> : <span class="muted">—</span>}</td>
                <td>{`${(a.durationMs / 1000).toFixed(1)} s`}</td>
                {props.showCost ? <td>{a.costUsdMicros === undefined ? "—" : usd(a.costUsdMicros)}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {props.showCost && props.total !== null ? <p data-testid="generation-cost">{`Upstream cost of this generation: ${usd(props.total)}`}</p> : null}
    </>
  );
}

async function detailPage(c: Context<DashEnv>) {
  const ok = allowed(c, "generations");
  if (ok instanceof Response) return ok;
  const ctx = dashContext(c);
  const id = c.req.param("id") ?? "";
  const detail = await loadGenerationDetail(ctx, ok.dataAccountId, id);
  const g = detail.view;
  const role = ok.signedIn.current?.role;
  const seesWebhooks = role !== undefined && can(role, "webhooks");
  const deliveries = seesWebhooks ? (await listAccountDeliveries(ctx, ok.dataAccountId, { limit: 50, generationId: g.generationId })).items : [];
  const csrf = csrfToken(c);
  const cancellable = g.status === "PENDING" || g.status === "PROCESSING";
  return renderPage(
    c,
    `Generation ${g.generationId}`,
    <>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge g={g} />
        </dd>
        {g.errorCode ? (
          <>
            <dt>Error</dt>
            <dd>
              <a href={apiPath(`/errors/${g.errorCode}`)}>
                <code>{g.errorCode}</code>
              </a>
              {g.errorMessage ? <span>{` ${g.errorMessage}`}</span> : null}
            </dd>
          </>
        ) : null}
        <dt>Product</dt>
        <dd>
          <a href={`/dashboard/products/${encodeURIComponent(g.productExternalId)}`}>{g.productExternalId}</a>
          {detail.productTitle ? <span class="muted">{` ${detail.productTitle}`}</span> : null}
        </dd>
        <dt>End user</dt>
        <dd>{g.externalUserId ?? <span class="muted">—</span>}</dd>
        <dt>Engine</dt>
        <dd>
          <code>{g.engine ?? "—"}</code>
        </dd>
        <dt>Created</dt>
        <dd>{iso(g.createdAt)}</dd>
        <dt>Started</dt>
        <dd>
          <Time ms={detail.startedAt} />
        </dd>
        <dt>Finished</dt>
        <dd>{g.completedAt ? iso(g.completedAt) : <span class="muted">—</span>}</dd>
        <dt>Duration</dt>
        <dd>{g.durationMs != null ? `${(g.durationMs / 1000).toFixed(1)} s` : <span class="muted">—</span>}</dd>
        <dt>Engine runs</dt>
        <dd>{String(detail.attempts)}</dd>
        {g.resultExpiresAt ? (
          <>
            <dt>Result kept until</dt>
            <dd>{iso(g.resultExpiresAt)}</dd>
          </>
        ) : null}
      </dl>
      {cancellable ? (
        <PostForm
          action={`/dashboard/generations/${g.generationId}/cancel`}
          csrf={csrf}
          confirm="Cancel this generation? Its reserved credit is refunded."
          label="Cancel the generation"
        >
          <button type="submit" class="button-danger">
            Cancel generation
          </button>
        </PostForm>
      ) : null}
      <EngineAttempts attempts={detail.engineAttempts} total={detail.costUsdMicros} showCost={ok.signedIn.user.isOperator} />
      <h2>Images</h2>
      <ul class="thumbs">
        <Thumb image={detail.person} />
        {detail.garments.map((image) => (
          <Thumb image={image} />
        ))}
        {g.status === "COMPLETED" ? <Thumb image={detail.result} /> : null}
      </ul>
      {seesWebhooks ? (
        <>
          <h2>Webhook deliveries</h2>
          <DeliveryTable deliveries={deliveries} csrf={csrf} back={`/dashboard/generations/${g.generationId}`} canRetry />
        </>
      ) : null}
      <p>
        <a href="/dashboard/generations">All generations</a>
      </p>
    </>,
  );
}

export const generationPages = new Hono<DashEnv>()
  .get("/generations", listPage)
  .get("/generations/:id", detailPage)
  .post("/generations/:id/cancel", async (c) => {
    const ok = allowed(c, "generations");
    if (ok instanceof Response) return ok;
    const id = c.req.param("id");
    try {
      await cancelGeneration(dashContext(c), ok.dataAccountId, id);
      setFlash(c, { kind: "success", text: "The generation is cancelled and its credit refunded." });
    } catch (err) {
      // Another account's generation is not found here, as on its detail page (the API says FORBIDDEN).
      if (err instanceof ApiError && err.code === "FORBIDDEN") return notFoundPage(c);
      if (!(err instanceof ApiError) || err.code !== "GENERATION_NOT_CANCELLABLE") throw err;
      setFlash(c, { kind: "error", text: err.message });
    }
    return c.redirect(`/dashboard/generations/${encodeURIComponent(id)}`, 303);
  });
