/**
 * Settings → Watermark logo: the account logo stamped on results of try-ons with
 * `output.watermark: true` (docs/try-on.md, Watermark). Upload and removal call the
 * same service as the operator API (`setAccountLogo` / `clearAccountLogo`), so the
 * rules (formats, 512 KB, 16–1024 px, a real decode) are the same everywhere.
 */
import type { Context } from "hono";
import { isApiError } from "../../errors";
import { LOGO_LIMITS } from "../../lib/image-intake";
import { type Account, accountLogoUrl, clearAccountLogo, logoOf, setAccountLogo } from "../../services/accounts";
import { PostForm } from "../components/form";
import { dashContext } from "../context";
import { setFlash } from "../cookies";
import type { DashEnv } from "../env";
import type { Allowed } from "./guard";

export interface LogoView {
  url: string | null;
  account: Account;
}

export function logoView(c: Context<DashEnv>, account: Account): LogoView {
  return { url: accountLogoUrl(dashContext(c), account), account };
}

export function LogoSection(props: { view: LogoView; csrf: string; error?: string }) {
  const logo = logoOf(props.view.account);
  const kb = LOGO_LIMITS.maxBytes / 1024;
  return (
    <>
      <h2 id="logo">Watermark logo</h2>
      <p>
        Stamped into the bottom-right corner of results when a try-on asks for <code>output.watermark: true</code>. Without a logo such results are left
        unchanged.
      </p>
      {logo && props.view.url ? (
        <div data-testid="current-logo">
          <img class="logo-preview" src={props.view.url} alt="The current watermark logo" width={Math.min(logo.width, 200)} />
          <p class="hint">{`${logo.format.toUpperCase()}, ${logo.width}×${logo.height} px.`}</p>
          <PostForm action="/dashboard/settings/logo/remove" csrf={props.csrf} label="Remove the watermark logo">
            <button type="submit" class="button-danger">
              Remove the logo
            </button>
          </PostForm>
        </div>
      ) : (
        <p class="muted">No logo yet.</p>
      )}
      <PostForm action="/dashboard/settings/logo" csrf={props.csrf} enctype="multipart/form-data" label="Upload a watermark logo">
        <div class={props.error ? "field field-invalid" : "field"}>
          <label for="f-logo">{logo ? "Replace the logo" : "Upload a logo"}</label>
          <p class="hint" id="f-logo-hint">
            {`PNG, WebP or JPEG; at most ${kb} KB; each side ${LOGO_LIMITS.minSide}–${LOGO_LIMITS.maxSide} px. A transparent PNG or WebP is blended over the result.`}
          </p>
          <input
            id="f-logo"
            name="logo"
            type="file"
            accept="image/png,image/webp,image/jpeg"
            required
            aria-describedby={props.error ? "f-logo-hint f-logo-error" : "f-logo-hint"}
          />
          {props.error ? (
            <p class="field-error" id="f-logo-error">
              {props.error}
            </p>
          ) : null}
        </div>
        <button type="submit" class="button-primary">
          Upload the logo
        </button>
      </PostForm>
    </>
  );
}

/** POST /dashboard/settings/logo: the refusal's message for the page, or null when the logo is set. */
export async function uploadLogo(c: Context<DashEnv>, ok: Allowed): Promise<string | null> {
  const file = c.get("formFiles")?.logo;
  if (!file) return "Choose an image file to upload.";
  try {
    await setAccountLogo(dashContext(c), ok.accountId, new Uint8Array(await file.arrayBuffer()), "logo");
  } catch (err) {
    if (isApiError(err) && err.status < 500) return err.message;
    throw err;
  }
  setFlash(c, { kind: "success", text: "The watermark logo is saved." });
  return null;
}

/** POST /dashboard/settings/logo/remove. */
export async function removeLogo(c: Context<DashEnv>, ok: Allowed): Promise<void> {
  await clearAccountLogo(dashContext(c), ok.accountId);
  setFlash(c, { kind: "success", text: "The watermark logo is removed: results are no longer stamped." });
}
