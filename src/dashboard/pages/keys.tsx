import type { Context } from "hono";
import { Hono } from "hono";
import { ApiError } from "../../errors";
import { HOUR } from "../../lib/time";
import { CreateApiKeyBody, ROLL_OVERLAP_DEFAULT_SECONDS, ROLL_OVERLAP_MAX_SECONDS, RollApiKeyBody } from "../../schemas/admin";
import type { ApiKeyRecord } from "../../services/accounts";
import { createMemberKey, getMemberKey, type KeyRefusal, listMemberKeys, revokeMemberKey, rollMemberKey, type SignedIn } from "../../services/users";
import { Field, FormError, PostForm } from "../components/form";
import { TableWrap } from "../components/table-wrap";
import { Time } from "../components/time";
import { csrfToken, dashContext, inTestMode, signedInOf } from "../context";
import { setFlash } from "../cookies";
import type { DashEnv } from "../env";
import { emptyForm, type FormState, fieldErrors, optionalInt } from "../forms";
import { renderPage } from "../render";
import { errorPage } from "./errors";
import { NoAccount, VerifyBanner } from "./overview";

function KeyStatus(props: { k: ApiKeyRecord }) {
  if (props.k.revokedAt !== null)
    return (
      <span class="badge badge-failed">
        Revoked <Time ms={props.k.revokedAt} />
      </span>
    );
  if (props.k.expiresAt !== null)
    return (
      <span class="badge badge-pending">
        Expires <Time ms={props.k.expiresAt} />
      </span>
    );
  return <span class="badge badge-completed">Active</span>;
}

function KeyTable(props: { keys: ApiKeyRecord[]; csrf: string }) {
  if (props.keys.length === 0) return <p>No keys yet.</p>;
  return (
    <TableWrap label="API keys">
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.keys.map((k) => (
            <tr>
              <td>{k.name}</td>
              <td>
                <code>{k.displayPrefix}</code>
              </td>
              <td>
                <KeyStatus k={k} />
              </td>
              <td>
                <Time ms={k.createdAt} />
              </td>
              <td>
                <Time ms={k.lastUsedAt} empty="Never" />
              </td>
              <td class="actions">
                {k.revokedAt === null && k.expiresAt === null ? (
                  <a href={`/dashboard/keys/${k.id}/roll`} class="button button-small" aria-label={`Roll ${k.name}`}>
                    Roll
                  </a>
                ) : null}
                {k.revokedAt === null ? (
                  <PostForm
                    action={`/dashboard/keys/${k.id}/revoke`}
                    csrf={props.csrf}
                    confirm={`Revoke the key "${k.name}"? Requests using it will be refused.`}
                  >
                    <button type="submit" class="button-small button-danger" aria-label={`Revoke ${k.name}`}>
                      Revoke
                    </button>
                  </PostForm>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function CreateKeyForm(props: { csrf: string; state: FormState }) {
  return (
    <PostForm action="/dashboard/keys" csrf={props.csrf} label="Create a key">
      <Field name="name" label="Name" required maxlength={200} hint="For you to tell keys apart, e.g. “production”." state={props.state} />
      <Field
        name="rateLimitPerMinute"
        label="Rate limit (requests per minute)"
        type="number"
        min={1}
        hint="Defaults to the account's limit."
        state={props.state}
      />
      <Field
        name="spendCap"
        label="Spend cap (credits, in total)"
        type="number"
        min={0}
        hint="The key stops spending once it has spent this many credits."
        state={props.state}
      />
      <button type="submit" class="button-primary">
        Create key
      </button>
    </PostForm>
  );
}

/** Test mode only: erases every test object of the account (the API's DELETE /tryon/v1/test/data); live data is untouched. */
function DeleteTestData(props: { csrf: string }) {
  return (
    <>
      <h2>Delete all test data</h2>
      <p>
        Deletes this account's test generations, products, images, webhook endpoints and deliveries, and resets the test balance. Test keys stay. Live data is
        never touched.
      </p>
      <PostForm action="/dashboard/test-data/delete" csrf={props.csrf} confirm="Delete all test data of this account? This cannot be undone.">
        <button type="submit" class="button-danger">
          Delete all test data
        </button>
      </PostForm>
    </>
  );
}

/** The plaintext of a key just created: shown on this one response, never again. */
function NewKey(props: { plaintext: string; name: string; previousExpiresAt?: number | null }) {
  return (
    <div class="alert alert-success new-key" role="status">
      <p>{`Your new key "${props.name}". Copy it now: it is shown only once.`}</p>
      {props.previousExpiresAt != null ? (
        <p>
          The key it replaces keeps working until <Time ms={props.previousExpiresAt} />, then the API refuses it.
        </p>
      ) : null}
      <div class="copy-row">
        <label for="new-key" class="visually-hidden">
          New API key
        </label>
        <input id="new-key" class="mono" readonly value={props.plaintext} data-testid="new-api-key" />
        <button type="button" class="button-small" data-copy="new-key">
          Copy
        </button>
      </div>
    </div>
  );
}

async function keysPage(
  c: Context<DashEnv>,
  extra: {
    state?: FormState;
    error?: string;
    created?: { plaintext: string; name: string; previousExpiresAt?: number | null };
    status?: 200 | 201 | 400 | 403;
  },
) {
  const signedIn: SignedIn = signedInOf(c);
  const csrf = csrfToken(c);
  if (!signedIn.current) return renderPage(c, "API keys", <NoAccount />);
  const keys = (await listMemberKeys(dashContext(c), signedIn, c.get("mode"))).items;
  const verified = signedIn.user.emailVerifiedAt !== null;
  const testMode = inTestMode(c);
  return renderPage(
    c,
    "API keys",
    <>
      {extra.created ? <NewKey {...extra.created} /> : null}
      <VerifyBanner signedIn={signedIn} csrf={csrf} />
      <p>
        Keys authenticate your server's requests to the API (the <code>x-api-key</code> header). Keep them secret: use them from your server, never in a browser
        or an app.
      </p>
      <KeyTable keys={keys} csrf={csrf} />
      <h2>{testMode ? "Create a test key" : "Create a key"}</h2>
      {testMode ? (
        <p>
          Test mode: a new key is a <code>dr_test_</code> key. It sees only test data, costs nothing and always runs the mock engine.
        </p>
      ) : null}
      <FormError message={extra.error} />
      {verified ? <CreateKeyForm csrf={csrf} state={extra.state ?? emptyForm()} /> : <p>Verify your email address to create keys.</p>}
      {testMode ? <DeleteTestData csrf={csrf} /> : null}
    </>,
    { status: extra.status ?? 200 },
  );
}

function refusalPage(c: Context<DashEnv>, refusal: KeyRefusal, state: FormState) {
  if (refusal.reason === "invalid") return keysPage(c, { state: { ...state, errors: refusal.fields }, status: 400 });
  if (refusal.reason === "email-not-verified") return keysPage(c, { state, error: "Verify your email address before creating keys.", status: 403 });
  return errorPage(c, 403, "Not allowed", "Your role on this account cannot manage API keys.");
}

const OVERLAP_MAX_HOURS = ROLL_OVERLAP_MAX_SECONDS / 3600;

function RollKeyForm(props: { k: ApiKeyRecord; csrf: string; state: FormState }) {
  return (
    <PostForm action={`/dashboard/keys/${props.k.id}/roll`} csrf={props.csrf} label={`Roll the key ${props.k.name}`}>
      <Field
        name="overlapHours"
        label="Overlap (hours)"
        type="number"
        min={0}
        max={OVERLAP_MAX_HOURS}
        required
        hint={`How long the old key keeps working beside the new one: 0 (refused at once) to ${OVERLAP_MAX_HOURS} hours (7 days).`}
        state={props.state}
      />
      <button type="submit" class="button-primary">
        Roll key
      </button>
    </PostForm>
  );
}

/** The roll form of one key: a new key with the same name and limits; the old one valid for the overlap chosen. */
async function rollPage(c: Context<DashEnv>, keyId: string, extra: { state?: FormState; error?: string; status?: 200 | 400 | 409 } = {}) {
  const found = await getMemberKey(dashContext(c), signedInOf(c), keyId, c.get("mode"));
  if (!found.ok) return refusalPage(c, found, emptyForm());
  const k = found.record;
  const state = extra.state ?? emptyForm({ overlapHours: String(ROLL_OVERLAP_DEFAULT_SECONDS / 3600) });
  return renderPage(
    c,
    `Roll the key “${k.name}”`,
    <>
      <p>
        Rolling issues a new key with the same name and limits (<code>{k.displayPrefix}</code> is the current one). Deploy the new key, then let the overlap
        end: after it the API refuses the old key.
      </p>
      <FormError message={extra.error} />
      {k.revokedAt === null && k.expiresAt === null ? <RollKeyForm k={k} csrf={csrfToken(c)} state={state} /> : null}
      <p>
        <a href="/dashboard/keys">Back to API keys</a>
      </p>
    </>,
    { status: extra.status ?? 200 },
  );
}

/** Hours typed in the form, as the operator API's `overlapSeconds`, checked by its own schema. */
function parseOverlap(raw: string | undefined): { ok: true; seconds: number } | { ok: false; message: string } {
  const hours = optionalInt(raw);
  const message = `A whole number of hours from 0 to ${OVERLAP_MAX_HOURS} (7 days).`;
  if (typeof hours !== "number") return { ok: false, message };
  const parsed = RollApiKeyBody.safeParse({ overlapSeconds: hours * (HOUR / 1000) });
  return parsed.success ? { ok: true, seconds: parsed.data.overlapSeconds } : { ok: false, message };
}

export const keyPages = new Hono<DashEnv>()
  .get("/keys", (c) => keysPage(c, {}))
  .post("/keys", async (c) => {
    const form = c.get("form");
    const state = emptyForm({ name: form.name ?? "", rateLimitPerMinute: form.rateLimitPerMinute ?? "", spendCap: form.spendCap ?? "" });
    // The operator API's own body schema: the two surfaces accept exactly the same keys.
    const parsed = CreateApiKeyBody.safeParse({
      name: form.name ?? "",
      rateLimitPerMinute: optionalInt(form.rateLimitPerMinute),
      spendCap: optionalInt(form.spendCap),
    });
    if (!parsed.success) return keysPage(c, { state: { ...state, errors: fieldErrors(parsed.error) }, status: 400 });
    const result = await createMemberKey(dashContext(c), signedInOf(c), { ...parsed.data, mode: c.get("mode") });
    if (!result.ok) return refusalPage(c, result, state);
    return keysPage(c, { created: { plaintext: result.plaintext, name: result.record.name }, status: 201 });
  })
  .post("/keys/:keyId/revoke", async (c) => {
    const result = await revokeMemberKey(dashContext(c), signedInOf(c), c.req.param("keyId"), c.get("mode"));
    if (!result.ok) return refusalPage(c, result, emptyForm());
    setFlash(c, { kind: "success", text: `The key "${result.record.name}" is revoked. The API refuses it within 30 seconds everywhere.` });
    return c.redirect("/dashboard/keys", 303);
  })
  .get("/keys/:keyId/roll", (c) => rollPage(c, c.req.param("keyId")))
  .post("/keys/:keyId/roll", async (c) => {
    const keyId = c.req.param("keyId");
    const typed = c.get("form").overlapHours ?? "";
    const overlap = parseOverlap(typed);
    if (!overlap.ok) return rollPage(c, keyId, { state: { values: { overlapHours: typed }, errors: { overlapHours: overlap.message } }, status: 400 });
    try {
      const result = await rollMemberKey(dashContext(c), signedInOf(c), keyId, overlap.seconds, c.get("mode"));
      if (!result.ok) return refusalPage(c, result, emptyForm());
      return keysPage(c, {
        created: { plaintext: result.plaintext, name: result.record.name, previousExpiresAt: result.previous.expiresAt },
        status: 201,
      });
    } catch (err) {
      if (err instanceof ApiError && err.code === "API_KEY_NOT_ROLLABLE") return rollPage(c, keyId, { error: err.message, status: 409 });
      throw err;
    }
  });
