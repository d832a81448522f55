import type { Context } from "hono";
import { Hono } from "hono";
import { ApiError } from "../../errors";
import { CreateWebhookBody, RotateSecretBody, UpdateWebhookBody, WEBHOOK_EVENT_TYPES, type WebhookEndpointView } from "../../schemas/webhooks";
import { hasRecentAuth } from "../../services/users";
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  getEndpointSecret,
  listAccountDeliveries,
  listDeliveries,
  listEndpoints,
  retryAccountDelivery,
  rotateEndpointSecret,
  sendTestEvent,
  updateEndpoint,
} from "../../services/webhooks";
import { DeliveryTable } from "../components/deliveries";
import { Field, FormError, PostForm } from "../components/form";
import { checkPostedPassword, ReauthForm, type ReauthRefusal } from "../components/reauth";
import { TableWrap } from "../components/table-wrap";
import { Time } from "../components/time";
import { csrfToken, dashContext } from "../context";
import { setFlash } from "../cookies";
import type { DashEnv } from "../env";
import { emptyForm, type FormState, fieldErrors, optionalInt } from "../forms";
import { safeNext } from "../middleware/session";
import { renderPage } from "../render";
import { type Allowed, guardedBy } from "./guard";

const LOG_PAGE = 25;
const MAX_ROTATION_OVERLAP_HOURS = 24;

const isoTime = (iso: string | null) => <Time ms={iso ? Date.parse(iso) : null} />;

/** A service's VALIDATION_FAILED (e.g. a refused URL) as field messages, by the path it names. */
function serviceFieldErrors(err: unknown): Record<string, string> | null {
  if (!(err instanceof ApiError) || err.code !== "VALIDATION_FAILED") return null;
  const out: Record<string, string> = {};
  const details = Array.isArray(err.details) ? (err.details as Array<{ path?: unknown; message?: unknown }>) : [];
  for (const d of details) {
    const key = typeof d.path === "string" && d.path !== "" ? (d.path.split(".")[0] ?? "form") : "form";
    out[key] ??= typeof d.message === "string" ? d.message : err.message;
  }
  if (Object.keys(out).length === 0) out.form = err.message;
  return out;
}

/** The endpoint form's fields as the API's body: events are checkboxes, enabled a checkbox. */
function endpointInput(form: Record<string, string>, fields: { enabled: boolean }) {
  const events = WEBHOOK_EVENT_TYPES.filter((e) => form[`event:${e}`] === "on");
  return {
    url: form.url ?? "",
    description: (form.description ?? "").trim() === "" ? null : form.description,
    events,
    ...(fields.enabled ? { enabled: form.enabled === "on" } : {}),
  };
}

function endpointState(form: Record<string, string>): FormState {
  const values: Record<string, string> = { url: form.url ?? "", description: form.description ?? "" };
  for (const e of WEBHOOK_EVENT_TYPES) if (form[`event:${e}`] === "on") values[`event:${e}`] = "on";
  if (form.enabled === "on") values.enabled = "on";
  return emptyForm(values);
}

function EventBoxes(props: { state: FormState }) {
  const error = props.state.errors.events;
  return (
    <fieldset class={error ? "field field-invalid" : "field"} aria-describedby={error ? "f-events-error" : undefined}>
      <legend>Events</legend>
      {WEBHOOK_EVENT_TYPES.map((e) => (
        <label class="check">
          <input type="checkbox" name={`event:${e}`} checked={props.state.values[`event:${e}`] === "on"} /> <code>{e}</code>
        </label>
      ))}
      {error ? (
        <p class="field-error" id="f-events-error">
          {error === "Too small: expected array to have >=1 items" ? "Choose at least one event." : error}
        </p>
      ) : null}
    </fieldset>
  );
}

function EndpointFields(props: { state: FormState; withEnabled: boolean }) {
  return (
    <>
      <FormError message={props.state.errors.form} />
      <Field name="url" label="URL" type="url" required maxlength={2048} hint="HTTPS; private and local addresses are refused." state={props.state} />
      <Field name="description" label="Description" maxlength={500} state={props.state} />
      <EventBoxes state={props.state} />
      {props.withEnabled ? (
        <label class="check">
          <input type="checkbox" name="enabled" checked={props.state.values.enabled === "on"} /> Enabled
        </label>
      ) : null}
    </>
  );
}

function EndpointStatus(props: { e: WebhookEndpointView }) {
  if (props.e.enabled) return <span class="badge badge-completed">Enabled</span>;
  const why = { manual: "by you", gone: "it answered 410 Gone", failing: "failing for 5 days" }[props.e.disabledReason ?? "manual"];
  return <span class="badge badge-failed">{`Disabled (${why})`}</span>;
}

const newEndpointState = () => {
  const state = emptyForm();
  for (const e of WEBHOOK_EVENT_TYPES) state.values[`event:${e}`] = "on";
  return state;
};

async function listPage(
  c: Context<DashEnv>,
  ok: Allowed,
  extra: { state?: FormState; created?: { id: string; secret: string }; status?: 200 | 201 | 400 } = {},
) {
  const ctx = dashContext(c);
  const status = c.req.query("status");
  const logStatus = status === "PENDING" || status === "SUCCEEDED" || status === "FAILED" ? status : undefined;
  const [endpoints, log] = await Promise.all([
    listEndpoints(ctx, ok.dataAccountId, { limit: 200 }),
    listAccountDeliveries(ctx, ok.dataAccountId, { limit: LOG_PAGE, cursor: c.req.query("cursor") || undefined, status: logStatus }),
  ]);
  const csrf = csrfToken(c);
  const next = log.nextCursor ? `/dashboard/webhooks?${new URLSearchParams({ ...(logStatus ? { status: logStatus } : {}), cursor: log.nextCursor })}` : null;
  return renderPage(
    c,
    "Webhooks",
    <>
      {extra.created ? (
        <div class="alert alert-success" role="status">
          <p>The endpoint is created. Its signing secret (verify each delivery's signature with it):</p>
          <div class="copy-row">
            <label for="new-secret" class="visually-hidden">
              Signing secret
            </label>
            <input id="new-secret" class="mono" readonly value={extra.created.secret} />
            <button type="button" class="button-small" data-copy="new-secret">
              Copy
            </button>
          </div>
        </div>
      ) : null}
      <h2>Endpoints</h2>
      {endpoints.items.length === 0 ? (
        <p>No endpoints yet.</p>
      ) : (
        <TableWrap label="Webhook endpoints">
          <table>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {endpoints.items.map((e) => (
                <tr>
                  <td class="wrap">
                    <a href={`/dashboard/webhooks/${e.id}`}>{e.url}</a>
                    {e.description ? <div class="muted">{e.description}</div> : null}
                  </td>
                  <td>{e.events.join(", ")}</td>
                  <td>
                    <EndpointStatus e={e} />
                  </td>
                  <td>{isoTime(e.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <h2>Add an endpoint</h2>
      <PostForm action="/dashboard/webhooks" csrf={csrf} label="Add an endpoint">
        <EndpointFields state={extra.state ?? newEndpointState()} withEnabled={false} />
        <button type="submit" class="button-primary">
          Add endpoint
        </button>
      </PostForm>
      <h2>Delivery log</h2>
      <p class="muted">Every delivery of the account, newest first: to the endpoints above and to per-request `webhookUrl`s.</p>
      <nav class="pager" aria-label="Delivery status">
        <a href="/dashboard/webhooks">All</a>
        <a href="/dashboard/webhooks?status=FAILED">Failed</a>
        <a href="/dashboard/webhooks?status=PENDING">Pending</a>
        <a href="/dashboard/webhooks?status=SUCCEEDED">Succeeded</a>
      </nav>
      <DeliveryTable deliveries={log.items} csrf={csrf} back="/dashboard/webhooks" canRetry />
      {next ? (
        <nav class="pager" aria-label="Pages">
          <a href={next}>Older deliveries</a>
        </nav>
      ) : null}
    </>,
    { status: extra.status ?? 200 },
  );
}

async function endpointPage(c: Context<DashEnv>, ok: Allowed, id: string, extra: { state?: FormState; status?: 200 | 400 } = {}) {
  const ctx = dashContext(c);
  const e = await getEndpoint(ctx, ok.dataAccountId, id);
  const log = await listDeliveries(ctx, ok.dataAccountId, id, { limit: LOG_PAGE, cursor: c.req.query("cursor") || undefined });
  const csrf = csrfToken(c);
  const state =
    extra.state ??
    emptyForm({
      url: e.url,
      description: e.description ?? "",
      ...Object.fromEntries(e.events.map((ev) => [`event:${ev}`, "on"])),
      ...(e.enabled ? { enabled: "on" } : {}),
    });
  const back = `/dashboard/webhooks/${e.id}`;
  return renderPage(
    c,
    "Webhook endpoint",
    <>
      <dl class="facts">
        <dt>URL</dt>
        <dd class="wrap">
          <code>{e.url}</code>
        </dd>
        <dt>Status</dt>
        <dd>
          <EndpointStatus e={e} />
        </dd>
        <dt>Failing since</dt>
        <dd>{isoTime(e.failingSince)}</dd>
        <dt>Previous secret valid until</dt>
        <dd>{isoTime(e.previousSecretExpiresAt)}</dd>
      </dl>
      <div class="actions">
        <a class="button" href={`${back}/secret`}>
          Reveal signing secret
        </a>
        <PostForm action={`${back}/test`} csrf={csrf}>
          <button type="submit">Send a test event</button>
        </PostForm>
      </div>
      <h2>Edit</h2>
      <PostForm action={back} csrf={csrf} label="Edit the endpoint">
        <EndpointFields state={state} withEnabled />
        <button type="submit" class="button-primary">
          Save
        </button>
      </PostForm>
      <h2>Rotate the signing secret</h2>
      <PostForm action={`${back}/rotate`} csrf={csrf} label="Rotate the signing secret">
        <Field
          name="overlapHours"
          label="Overlap (hours)"
          type="number"
          min={0}
          max={MAX_ROTATION_OVERLAP_HOURS}
          required
          hint="How long the old secret keeps signing beside the new one: 0 (stop now, e.g. after a leak) to 24 hours."
          state={extra.state?.errors.overlapHours ? extra.state : emptyForm({ overlapHours: "24" })}
        />
        <button type="submit">Rotate secret</button>
      </PostForm>
      <h2>Deliveries</h2>
      <DeliveryTable deliveries={log.items} csrf={csrf} back={back} canRetry />
      {log.nextCursor ? (
        <nav class="pager" aria-label="Pages">
          <a href={`${back}?cursor=${encodeURIComponent(log.nextCursor)}`}>Older deliveries</a>
        </nav>
      ) : null}
      <h2>Danger zone</h2>
      <PostForm action={`${back}/delete`} csrf={csrf} confirm="Delete this endpoint? Its pending deliveries stop." label="Delete the endpoint">
        <button type="submit" class="button-danger">
          Delete endpoint
        </button>
      </PostForm>
      <p>
        <a href="/dashboard/webhooks">All webhooks</a>
      </p>
    </>,
    { status: extra.status ?? 200 },
  );
}

/** The secret, or the password form that unlocks it for RECENT_AUTH_MS. */
async function secretPage(c: Context<DashEnv>, ok: Allowed, id: string, refusal?: ReauthRefusal) {
  const ctx = dashContext(c);
  const e = await getEndpoint(ctx, ok.dataAccountId, id);
  const back = `/dashboard/webhooks/${e.id}`;
  if (refusal === undefined && hasRecentAuth(ok.signedIn.session, ctx.now())) {
    const secret = await getEndpointSecret(ctx, ok.dataAccountId, e.id);
    return renderPage(
      c,
      "Signing secret",
      <>
        <p class="wrap">
          The signing secret of <code>{e.url}</code>:
        </p>
        <SecretBox secret={secret.secret} previousExpiresAt={secret.previousSecretExpiresAt} />
        <p>
          <a href={back}>Back to the endpoint</a>
        </p>
      </>,
    );
  }
  return renderPage(c, "Confirm it is you", <ReauthForm action={`${back}/secret`} csrf={csrfToken(c)} what="Revealing a signing secret" refusal={refusal} />, {
    status: refusal?.status ?? 200,
    headers: refusal?.headers,
  });
}

/** A signing secret with its copy button (only ever rendered after recent authentication). */
export function SecretBox(props: { secret: string; previousExpiresAt: string | null }) {
  return (
    <>
      <div class="copy-row">
        <label for="secret" class="visually-hidden">
          Signing secret
        </label>
        <input id="secret" class="mono" readonly value={props.secret} data-testid="webhook-secret" />
        <button type="button" class="button-small" data-copy="secret">
          Copy
        </button>
      </div>
      {props.previousExpiresAt ? <p>The previous secret also signs until {isoTime(props.previousExpiresAt)}.</p> : null}
    </>
  );
}

/** Every handler below needs the webhooks permission; `run` answers the refusal page otherwise. */
const guarded = guardedBy("webhooks");

export const webhookPages = new Hono<DashEnv>()
  .get(
    "/webhooks",
    guarded((c, ok) => listPage(c, ok)),
  )
  .post(
    "/webhooks",
    guarded(async (c, ok) => {
      const form = c.get("form");
      const state = endpointState(form);
      const parsed = CreateWebhookBody.safeParse(endpointInput(form, { enabled: false }));
      if (!parsed.success) return listPage(c, ok, { state: { ...state, errors: fieldErrors(parsed.error) }, status: 400 });
      try {
        const { endpoint, secret } = await createEndpoint(dashContext(c), ok.dataAccountId, parsed.data);
        return listPage(c, ok, { created: { id: endpoint.id, secret }, status: 201 });
      } catch (err) {
        const errors = serviceFieldErrors(err);
        if (!errors) throw err;
        return listPage(c, ok, { state: { ...state, errors }, status: 400 });
      }
    }),
  )
  .post(
    "/webhooks/deliveries/:deliveryId/retry",
    guarded(async (c, ok) => {
      const back = safeNext(c.get("form").back ?? "/dashboard/webhooks");
      // Another account's delivery is WEBHOOK_NOT_FOUND: a 404 page, like a missing one.
      const delivery = await retryAccountDelivery(dashContext(c), ok.dataAccountId, c.req.param("deliveryId") ?? "");
      setFlash(c, { kind: "success", text: `Delivery ${delivery.id} is queued for one more attempt now.` });
      return c.redirect(back, 303);
    }),
  )
  .get(
    "/webhooks/:id",
    guarded((c, ok) => endpointPage(c, ok, c.req.param("id") ?? "")),
  )
  .post(
    "/webhooks/:id",
    guarded(async (c, ok) => {
      const id = c.req.param("id") ?? "";
      const form = c.get("form");
      const state = endpointState(form);
      const parsed = UpdateWebhookBody.safeParse(endpointInput(form, { enabled: true }));
      if (!parsed.success) return endpointPage(c, ok, id, { state: { ...state, errors: fieldErrors(parsed.error) }, status: 400 });
      try {
        await updateEndpoint(dashContext(c), ok.dataAccountId, id, parsed.data);
      } catch (err) {
        const errors = serviceFieldErrors(err);
        if (!errors) throw err;
        return endpointPage(c, ok, id, { state: { ...state, errors }, status: 400 });
      }
      setFlash(c, { kind: "success", text: "The endpoint is saved." });
      return c.redirect(`/dashboard/webhooks/${id}`, 303);
    }),
  )
  .post(
    "/webhooks/:id/delete",
    guarded(async (c, ok) => {
      await deleteEndpoint(dashContext(c), ok.dataAccountId, c.req.param("id") ?? "");
      setFlash(c, { kind: "success", text: "The endpoint is deleted; its pending deliveries stop." });
      return c.redirect("/dashboard/webhooks", 303);
    }),
  )
  .post(
    "/webhooks/:id/test",
    guarded(async (c, ok) => {
      const id = c.req.param("id") ?? "";
      const delivery = await sendTestEvent(dashContext(c), ok.dataAccountId, id);
      setFlash(c, { kind: "success", text: `A test event is queued (delivery ${delivery.id}); it appears in the log below.` });
      return c.redirect(`/dashboard/webhooks/${id}`, 303);
    }),
  )
  .post(
    "/webhooks/:id/rotate",
    guarded(async (c, ok) => {
      const id = c.req.param("id") ?? "";
      const typed = c.get("form").overlapHours ?? "";
      const hours = optionalInt(typed);
      const parsed = typeof hours === "number" ? RotateSecretBody.safeParse({ overlapSeconds: hours * 3600 }) : null;
      if (!parsed?.success) {
        const message = `A whole number of hours from 0 to ${MAX_ROTATION_OVERLAP_HOURS}.`;
        return endpointPage(c, ok, id, { state: { values: { overlapHours: typed }, errors: { overlapHours: message } }, status: 400 });
      }
      await rotateEndpointSecret(dashContext(c), ok.dataAccountId, id, parsed.data.overlapSeconds);
      setFlash(c, { kind: "success", text: "The secret is rotated. Reveal it to update your receiver." });
      return c.redirect(`/dashboard/webhooks/${id}`, 303);
    }),
  )
  .get(
    "/webhooks/:id/secret",
    guarded((c, ok) => secretPage(c, ok, c.req.param("id") ?? "")),
  )
  .post(
    "/webhooks/:id/secret",
    guarded(async (c, ok) => {
      const id = c.req.param("id") ?? "";
      await getEndpoint(dashContext(c), ok.dataAccountId, id); // another account's endpoint: 404 before any password check
      const refusal = await checkPostedPassword(c);
      if (refusal) return secretPage(c, ok, id, refusal);
      return c.redirect(`/dashboard/webhooks/${id}/secret`, 303);
    }),
  );
