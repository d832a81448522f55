import type { Context } from "hono";
import { Hono } from "hono";
import { ENGINE_NAMES } from "../../config";
import { KEEP_FOR_DAYS_CHOICES } from "../../lib/retention-days";
import { UpdateAccountBody } from "../../schemas/admin";
import { CustomerParamSchema } from "../../schemas/customers";
import { RotateSecretBody } from "../../schemas/webhooks";
import { getAccount, updateAccount } from "../../services/accounts";
import { eraseCustomer } from "../../services/customers";
import { hasRecentAuth } from "../../services/users";
import { getDefaultSecret, rotateDefaultSecret } from "../../services/webhooks";
import { Field, PostForm } from "../components/form";
import { checkPostedPassword, ReauthForm, type ReauthRefusal } from "../components/reauth";
import { SelectField } from "../components/select-field";
import { csrfToken, dashContext } from "../context";
import { setFlash } from "../cookies";
import type { DashEnv } from "../env";
import { emptyForm, type FormState, fieldErrors, optionalInt } from "../forms";
import { renderPage } from "../render";
import { type Allowed, guardedBy } from "./guard";
import { LogoSection, logoView, removeLogo, uploadLogo } from "./settings-logo";
import { SecretBox } from "./webhooks";

/** What an owner may change here: the operator API's own body, narrowed to the account's own settings. */
const AccountSettingsBody = UpdateAccountBody.pick({ name: true, retentionDays: true });
const EngineSettingsBody = UpdateAccountBody.pick({ engines: true });
/** The engines an owner may order; `mock` (the photo back unchanged) stays an operator's choice. */
const OWNER_ENGINES = ENGINE_NAMES.filter((e) => e !== "mock");
const ENGINE_SLOTS = [1, 2, 3, 4] as const;
const MAX_ROTATION_OVERLAP_HOURS = 24;

interface SettingsExtra {
  account?: FormState;
  engines?: FormState;
  rotate?: FormState;
  erase?: FormState;
  erased?: { externalUserId: string; summary: Awaited<ReturnType<typeof eraseCustomer>> };
  logoError?: string;
  status?: 200 | 400;
}

async function settingsPage(c: Context<DashEnv>, ok: Allowed, extra: SettingsExtra = {}) {
  const account = await getAccount(dashContext(c), ok.accountId);
  const csrf = csrfToken(c);
  const accountState = extra.account ?? emptyForm({ name: account.name, retentionDays: String(account.retentionDays) });
  const logo = logoView(c, account);
  const current = account.engines ?? (account.engine ? [account.engine] : []);
  const enginesState = extra.engines ?? emptyForm(Object.fromEntries(ENGINE_SLOTS.map((n) => [`engine${n}`, current[n - 1] ?? ""])));
  return renderPage(
    c,
    "Settings",
    <>
      {extra.erased ? (
        <div class="alert alert-success" role="status" data-testid="erase-summary">
          <p>{`The data of end user "${extra.erased.externalUserId}" is erased:`}</p>
          <ul>
            <li>{`${extra.erased.summary.imagesDeleted} images deleted (${extra.erased.summary.imagesDeferred} left to the retention purge)`}</li>
            <li>{`${extra.erased.summary.cancelledGenerations} generations in flight cancelled`}</li>
            <li>{`${extra.erased.summary.anonymizedGenerations} generations anonymized`}</li>
            <li>{`${extra.erased.summary.scrubbedWebhookPayloads} webhook payloads scrubbed`}</li>
          </ul>
        </div>
      ) : null}
      <h2>Account</h2>
      <PostForm action="/dashboard/settings" csrf={csrf} label="Account settings">
        <Field name="name" label="Account name" required maxlength={200} state={accountState} />
        <SelectField
          name="retentionDays"
          label="Default retention"
          hint="How long person photos and results are kept when a request does not say (keepForDays)."
          state={accountState}
          options={KEEP_FOR_DAYS_CHOICES.map((d) => ({ value: String(d), label: d === 1 ? "1 day" : `${d} days` }))}
        />
        <button type="submit" class="button-primary">
          Save
        </button>
      </PostForm>
      <LogoSection view={logo} csrf={csrf} error={extra.logoError} />
      <h2>Engines</h2>
      <p>
        The engines that render your try-ons, in order: the first runs; when it is unavailable the next one takes over (same generation, one credit). Leave the
        first empty to let Drape choose.
      </p>
      <PostForm action="/dashboard/settings/engines" csrf={csrf} label="Engine order">
        {ENGINE_SLOTS.map((n) => (
          <SelectField
            name={`engine${n}`}
            label={n === 1 ? "First engine" : `Then (${n})`}
            state={enginesState}
            options={[{ value: "", label: n === 1 ? "Drape's default" : "None" }, ...OWNER_ENGINES.map((e) => ({ value: e, label: e }))]}
          />
        ))}
        <button type="submit" class="button-primary">
          Save the engine order
        </button>
      </PostForm>
      <h2>Default webhook secret</h2>
      <p>
        Signs the deliveries to per-request <code>webhookUrl</code>s.
      </p>
      <p>
        <a class="button" href="/dashboard/settings/webhook-secret">
          Reveal the default secret
        </a>
      </p>
      <PostForm action="/dashboard/settings/webhook-secret/rotate" csrf={csrf} label="Rotate the default webhook secret">
        <Field
          name="overlapHours"
          label="Overlap (hours)"
          type="number"
          min={0}
          max={MAX_ROTATION_OVERLAP_HOURS}
          required
          hint="How long the old secret keeps signing beside the new one: 0 to 24 hours."
          state={extra.rotate ?? emptyForm({ overlapHours: "24" })}
        />
        <button type="submit">Rotate the default secret</button>
      </PostForm>
      <h2>Danger zone</h2>
      <p>
        Erase an end user's data: every person photo and result of that <code>externalUserId</code> is deleted, their generations in flight are cancelled and
        their generations anonymized (the API's <code>DELETE /tryon/v1/customers/{"{externalUserId}"}</code>). It cannot be undone.
      </p>
      <PostForm action="/dashboard/settings/erase" csrf={csrf} label="Erase an end user's data" confirm="Erase this end user's data? It cannot be undone.">
        <Field name="externalUserId" label="End user id (externalUserId)" required maxlength={256} state={extra.erase ?? emptyForm()} />
        <Field name="confirmExternalUserId" label="Type it again to confirm" required maxlength={256} state={extra.erase ?? emptyForm()} />
        <button type="submit" class="button-danger">
          Erase this end user's data
        </button>
      </PostForm>
    </>,
    { status: extra.status ?? 200 },
  );
}

async function defaultSecretPage(c: Context<DashEnv>, ok: Allowed, refusal?: ReauthRefusal) {
  const ctx = dashContext(c);
  if (refusal === undefined && hasRecentAuth(ok.signedIn.session, ctx.now())) {
    const secret = await getDefaultSecret(ctx, ok.accountId);
    return renderPage(
      c,
      "Default webhook secret",
      <>
        <SecretBox secret={secret.secret} previousExpiresAt={secret.previousSecretExpiresAt} />
        <p>
          <a href="/dashboard/settings">Back to settings</a>
        </p>
      </>,
    );
  }
  return renderPage(
    c,
    "Confirm it is you",
    <ReauthForm action="/dashboard/settings/webhook-secret" csrf={csrfToken(c)} what="Revealing the default webhook secret" refusal={refusal} />,
    { status: refusal?.status ?? 200, headers: refusal?.headers },
  );
}

/** Every handler here needs the settings permission (owners only). */
const guarded = guardedBy("settings");

export const settingsPages = new Hono<DashEnv>()
  .get(
    "/settings",
    guarded((c, ok) => settingsPage(c, ok)),
  )
  .post(
    "/settings",
    guarded(async (c, ok) => {
      const form = c.get("form");
      const state = emptyForm({ name: form.name ?? "", retentionDays: form.retentionDays ?? "" });
      const parsed = AccountSettingsBody.safeParse({ name: form.name ?? "", retentionDays: optionalInt(form.retentionDays) });
      if (!parsed.success) return settingsPage(c, ok, { account: { ...state, errors: fieldErrors(parsed.error) }, status: 400 });
      await updateAccount(dashContext(c), ok.accountId, parsed.data);
      setFlash(c, { kind: "success", text: "The account settings are saved." });
      return c.redirect("/dashboard/settings", 303);
    }),
  )
  .post(
    "/settings/logo",
    guarded(async (c, ok) => {
      const refusal = await uploadLogo(c, ok);
      if (refusal !== null) return settingsPage(c, ok, { logoError: refusal, status: 400 });
      return c.redirect("/dashboard/settings#logo", 303);
    }),
  )
  .post(
    "/settings/logo/remove",
    guarded(async (c, ok) => {
      await removeLogo(c, ok);
      return c.redirect("/dashboard/settings#logo", 303);
    }),
  )
  .post(
    "/settings/engines",
    guarded(async (c, ok) => {
      const form = c.get("form");
      const values = Object.fromEntries(ENGINE_SLOTS.map((n) => [`engine${n}`, form[`engine${n}`] ?? ""]));
      const picked = ENGINE_SLOTS.map((n) => values[`engine${n}`] ?? "").filter((v) => v !== "");
      const offered = picked.every((e) => (OWNER_ENGINES as readonly string[]).includes(e));
      const parsed = EngineSettingsBody.safeParse({ engines: picked.length > 0 ? picked : null });
      if (!parsed.success || !offered) {
        const errors = { engine1: "Pick each engine at most once, from the list." };
        return settingsPage(c, ok, { engines: { values, errors }, status: 400 });
      }
      await updateAccount(dashContext(c), ok.accountId, parsed.data);
      setFlash(c, { kind: "success", text: "The engine order is saved." });
      return c.redirect("/dashboard/settings", 303);
    }),
  )
  .get(
    "/settings/webhook-secret",
    guarded((c, ok) => defaultSecretPage(c, ok)),
  )
  .post(
    "/settings/webhook-secret",
    guarded(async (c, ok) => {
      const refusal = await checkPostedPassword(c);
      if (refusal) return defaultSecretPage(c, ok, refusal);
      return c.redirect("/dashboard/settings/webhook-secret", 303);
    }),
  )
  .post(
    "/settings/webhook-secret/rotate",
    guarded(async (c, ok) => {
      const typed = c.get("form").overlapHours ?? "";
      const hours = optionalInt(typed);
      const parsed = typeof hours === "number" ? RotateSecretBody.safeParse({ overlapSeconds: hours * 3600 }) : null;
      if (!parsed?.success) {
        const errors = { overlapHours: `A whole number of hours from 0 to ${MAX_ROTATION_OVERLAP_HOURS}.` };
        return settingsPage(c, ok, { rotate: { values: { overlapHours: typed }, errors }, status: 400 });
      }
      await rotateDefaultSecret(dashContext(c), ok.accountId, parsed.data.overlapSeconds);
      setFlash(c, { kind: "success", text: "The default webhook secret is rotated. Reveal it to update your receiver." });
      return c.redirect("/dashboard/settings", 303);
    }),
  )
  .post(
    "/settings/erase",
    guarded(async (c, ok) => {
      const form = c.get("form");
      const typed = { externalUserId: form.externalUserId ?? "", confirmExternalUserId: form.confirmExternalUserId ?? "" };
      const parsed = CustomerParamSchema.safeParse({ externalUserId: typed.externalUserId });
      const errors = parsed.success ? {} : fieldErrors(parsed.error);
      if (parsed.success && typed.confirmExternalUserId !== typed.externalUserId) errors.confirmExternalUserId = "This does not match the id above.";
      if (!parsed.success || Object.keys(errors).length > 0) return settingsPage(c, ok, { erase: { values: typed, errors }, status: 400 });
      const summary = await eraseCustomer(dashContext(c), ok.accountId, parsed.data.externalUserId);
      return settingsPage(c, ok, { erased: { externalUserId: parsed.data.externalUserId, summary } });
    }),
  );
