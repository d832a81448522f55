import type { WebhookDeliveryView } from "../../schemas/webhooks";
import { PostForm } from "./form";
import { TableWrap } from "./table-wrap";

const when = (iso: string | null) => (iso ? <time datetime={iso}>{`${iso.slice(0, 16).replace("T", " ")} UTC`}</time> : <span class="muted">—</span>);

const STATUS_BADGE: Record<WebhookDeliveryView["status"], string> = { PENDING: "badge-pending", SUCCEEDED: "badge-completed", FAILED: "badge-failed" };

/**
 * A delivery log: each delivery with its target, status, attempt number, the last attempt's answer
 * (status, latency, first bytes of the body) and the next retry, with a retry button that comes back
 * to `back` (a dashboard path).
 */
export function DeliveryTable(props: { deliveries: WebhookDeliveryView[]; csrf: string; back: string; canRetry: boolean }) {
  if (props.deliveries.length === 0) return <p>No deliveries.</p>;
  return (
    <TableWrap label="Webhook deliveries">
      <table>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Target</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last answer</th>
            <th scope="col">Next retry</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.deliveries.map((d) => {
            const last = d.attempts[d.attempts.length - 1];
            return (
              <tr data-delivery={d.id}>
                <td>
                  <code>{d.eventType}</code>
                  <div class="muted">{when(d.createdAt)}</div>
                </td>
                <td class="wrap">
                  {d.endpointId === null ? <span class="muted">Per-request URL: </span> : null}
                  <code>{d.url}</code>
                </td>
                <td>
                  <span class={`badge ${STATUS_BADGE[d.status]}`}>{d.status}</span>
                </td>
                <td>{`Attempt ${d.attemptCount}`}</td>
                <td class="wrap">
                  {last ? (
                    <>
                      <span>{last.statusCode === null ? (last.error ?? "No response") : `HTTP ${last.statusCode}`}</span>
                      <span class="muted">{` in ${last.latencyMs} ms`}</span>
                      {last.responseSnippet ? <pre class="snippet">{last.responseSnippet.slice(0, 200)}</pre> : null}
                    </>
                  ) : (
                    <span class="muted">Not tried yet</span>
                  )}
                </td>
                <td>{when(d.nextAttemptAt)}</td>
                <td>
                  {props.canRetry ? (
                    <PostForm action={`/dashboard/webhooks/deliveries/${d.id}/retry`} csrf={props.csrf}>
                      <input type="hidden" name="back" value={props.back} />
                      <button type="submit" class="button-small" aria-label={`Retry delivery ${d.id}`}>
                        Retry
                      </button>
                    </PostForm>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}
