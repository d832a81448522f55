import type { Context } from "hono";
import { Hono } from "hono";
import { apiPath } from "../../lib/api-paths";
import { type Mode, testAccountIdOf } from "../../lib/modes";
import { ApiCaller } from "../../mcp/api-call";
import { type DetailImage, loadGenerationDetail } from "../../services/generations";
import { PLAYGROUND_KEY_NAME, playgroundKey } from "../../services/playground";
import { listProducts, type ProductRecord } from "../../services/products";
import { PostForm } from "../components/form";
import { csrfToken, dashContext, signedInOf } from "../context";
import type { DashEnv } from "../env";
import { emptyForm, type FormState } from "../forms";
import { renderPage } from "../render";
import { errorPage } from "./errors";
import { StatusBadge } from "./generations";
import { allowed } from "./guard";

/** How the dashboard reaches the Worker's own app: the API's routes, in-process. */
export type AppFetch = (request: Request, env: Env, ctx: Context<DashEnv>["executionCtx"]) => Response | Promise<Response>;

/** The bundled sample photos (scripts/assets, copied to the static assets by scripts/build-assets.mjs). */
export const SAMPLES = {
  person: { path: "/dashboard/samples/person.jpg", type: "image/jpeg", label: "Sample person photo" },
  garment: { path: "/dashboard/samples/garment.png", type: "image/png", label: "Sample garment" },
} as const;

/** A result page reloads itself this often while the generation runs (the `Refresh` header: no script needed). */
const REFRESH_SECONDS = 2;
const PRODUCT_CHOICES = 100;

/** A ticked checkbox sends a value ("on" from a browser); any non-empty one counts as ticked. */
const ticked = (value: string | undefined) => (value ?? "") !== "";
const modeOfForm = (values: Record<string, string>): Mode => (ticked(values.test) ? "test" : "live");

async function productChoices(c: Context<DashEnv>, accountId: string): Promise<Record<Mode, ProductRecord[]>> {
  const ctx = dashContext(c);
  const [live, test] = await Promise.all([
    listProducts(ctx, accountId, { limit: PRODUCT_CHOICES }),
    // Read only: the twin is created by the first test run, not by looking at this page.
    listProducts(ctx, testAccountIdOf(accountId), { limit: PRODUCT_CHOICES }),
  ]);
  return { live: live.items, test: test.items };
}

function FieldError(props: { id: string; error: string | undefined }) {
  return props.error ? (
    <p class="field-error" id={props.id}>
      {props.error}
    </p>
  ) : null;
}

function PlaygroundForm(props: { state: FormState; csrf: string; products: Record<Mode, ProductRecord[]> }) {
  const { values, errors } = props.state;
  const productOption = (p: ProductRecord) => (
    <option value={p.externalId} selected={values.product === p.externalId}>
      {p.title ? `${p.title} (${p.externalId})` : p.externalId}
    </option>
  );
  return (
    <PostForm action="/dashboard/playground" csrf={props.csrf} enctype="multipart/form-data" label="Run a try-on">
      {errors.form ? (
        <p class="field-error" role="alert">
          {errors.form}
        </p>
      ) : null}
      <fieldset class={errors.person ? "field field-invalid" : "field"} aria-describedby={errors.person ? "f-person-error" : undefined}>
        <legend>Person photo</legend>
        <label for="f-person">Upload a photo (JPEG, PNG, WebP or HEIC; each side 240–7680 px; at most 10 MB)</label>
        <input id="f-person" name="person" type="file" accept="image/jpeg,image/png,image/webp,image/heic" />
        <label class="check">
          <input type="checkbox" name="personSample" checked={ticked(values.personSample)} /> Use the sample photo when none is uploaded
        </label>
        <img class="sample" src={SAMPLES.person.path} alt={SAMPLES.person.label} />
        <FieldError id="f-person-error" error={errors.person} />
      </fieldset>
      <fieldset class={errors.garment ? "field field-invalid" : "field"} aria-describedby={errors.garment ? "f-garment-error" : undefined}>
        <legend>Garment</legend>
        <label for="f-product">One of your products</label>
        <select id="f-product" name="product">
          <option value="">None: use an uploaded garment or the sample</option>
          {props.products.live.length > 0 ? <optgroup label="Live products">{props.products.live.map(productOption)}</optgroup> : null}
          {props.products.test.length > 0 ? <optgroup label="Test-mode products">{props.products.test.map(productOption)}</optgroup> : null}
        </select>
        <label for="f-garment">Or upload a garment image</label>
        <input id="f-garment" name="garment" type="file" accept="image/jpeg,image/png,image/webp,image/heic" />
        <label class="check">
          <input type="checkbox" name="garmentSample" checked={ticked(values.garmentSample)} /> Use the sample garment when no product or upload is chosen
        </label>
        <img class="sample" src={SAMPLES.garment.path} alt={SAMPLES.garment.label} />
        <FieldError id="f-garment-error" error={errors.garment} />
      </fieldset>
      <label class="check">
        <input type="checkbox" name="test" checked={ticked(values.test)} /> Run in test mode (free: the mock engine, test-mode products)
      </label>
      <p class="hint">{`Live runs use your account's engine and cost one credit. Runs go through the API with the key named “${PLAYGROUND_KEY_NAME}”.`}</p>
      <button type="submit">Run try-on</button>
    </PostForm>
  );
}

async function formPage(c: Context<DashEnv>, state: FormState, status: 200 | 400 = 200) {
  const ok = allowed(c, "playground");
  if (ok instanceof Response) return ok;
  const products = await productChoices(c, ok.accountId);
  return renderPage(c, "Playground", <PlaygroundForm state={state} csrf={csrfToken(c)} products={products} />, { status });
}

/** What the form asks for, or the field errors that say what is missing (checked before any call). */
interface Inputs {
  person: Blob | "sample";
  garment: { product: string } | { file: Blob | "sample" };
}

function readInputs(values: Record<string, string>, files: Record<string, File>): { ok: true; inputs: Inputs } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const product = (values.product ?? "").trim();
  // An upload wins over the sample box (left ticked by default); a product and an upload conflict.
  if (!files.person && !ticked(values.personSample)) errors.person = "Upload a person photo or use the sample.";
  if (product !== "" && files.garment) errors.garment = "Choose a product or upload a garment image, not both.";
  else if (product === "" && !files.garment && !ticked(values.garmentSample))
    errors.garment = "Choose a product, upload a garment image, or use the sample garment.";
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    inputs: { person: files.person ?? "sample", garment: product !== "" ? { product } : { file: files.garment ?? "sample" } },
  };
}

async function sampleBytes(c: Context<DashEnv>, which: keyof typeof SAMPLES): Promise<Blob> {
  const res = await c.env.ASSETS.fetch(new URL(SAMPLES[which].path, c.req.url));
  if (!res.ok) throw new Error(`sample ${which} is missing from the static assets (${res.status})`);
  return new Blob([await res.arrayBuffer()], { type: SAMPLES[which].type });
}

interface Envelope {
  code?: string;
  message?: string;
}

function messageOf(body: unknown): Envelope {
  return typeof body === "object" && body !== null ? (body as Envelope) : {};
}

/** Which field an API refusal of the try-on is about: its garment (product) or the whole form. */
function fieldOfTryOnError(code: string | undefined): "garment" | "form" {
  return code?.startsWith("PRODUCT_") || code === "INVALID_IMAGE" || code === "UNSUPPORTED_IMAGE_TYPE" || code === "IMAGE_DIMENSIONS_OUT_OF_RANGE"
    ? "garment"
    : "form";
}

async function run(c: Context<DashEnv>, appFetch: AppFetch) {
  // No account to run on (none yet, or disabled): a refusal, not the page.
  if (!signedInOf(c).current) return errorPage(c, 403, "Not allowed", "You have no active account to run a try-on on.");
  const ok = allowed(c, "playground");
  if (ok instanceof Response) return ok;
  const form = c.get("form");
  // What is kept on a refusal: the choices (a browser never refills a file input).
  const values = { product: form.product ?? "", personSample: form.personSample ?? "", garmentSample: form.garmentSample ?? "", test: form.test ?? "" };
  const refuse = (errors: Record<string, string>) => formPage(c, { values, errors }, 400);
  const read = readInputs(values, c.get("formFiles") ?? {});
  if (!read.ok) return refuse(read.errors);
  const { inputs } = read;

  const ctx = dashContext(c);
  const mode = modeOfForm(values);
  const key = await playgroundKey(ctx, ok.accountId, mode);
  const api = new ApiCaller((req) => Promise.resolve(appFetch(req, c.env, c.executionCtx)), new URL(c.req.url).origin, {
    authorization: `Bearer ${key}`,
  });

  const upload = new FormData();
  upload.set("file", inputs.person === "sample" ? await sampleBytes(c, "person") : inputs.person, "person");
  const uploaded = await api.call("POST", apiPath("/images/upload"), { form: upload });
  const image = messageOf(uploaded.body) as Envelope & { imageId?: string };
  if (uploaded.status !== 201 || !image.imageId) return refuse({ person: image.message ?? "The photo was refused." });

  const tryOn = new FormData();
  const product = "product" in inputs.garment ? { externalId: inputs.garment.product } : { images: [{ source: { fileKey: "garment" } }] };
  tryOn.set("data", JSON.stringify({ person: { image: { source: { id: image.imageId } } }, products: [product] }));
  if ("file" in inputs.garment) tryOn.set("garment", inputs.garment.file === "sample" ? await sampleBytes(c, "garment") : inputs.garment.file, "garment");
  // The form's one-time token makes the API's idempotency cover a repeat that reaches it.
  const idem = form._idem ? { "idempotency-key": `playground-${form._idem}` } : undefined;
  const accepted = await api.call("POST", apiPath("/try-on"), { form: tryOn }, idem);
  const body = messageOf(accepted.body) as Envelope & { generationId?: string };
  if (accepted.status !== 202 || !body.generationId) return refuse({ [fieldOfTryOnError(body.code)]: body.message ?? "The try-on was refused." });
  return c.redirect(resultPath(body.generationId, mode), 303);
}

export const resultPath = (generationId: string, mode: Mode) =>
  `/dashboard/playground/${encodeURIComponent(generationId)}${mode === "test" ? "?mode=test" : ""}`;

function Figure(props: { image: DetailImage | null; waiting?: boolean }) {
  return (
    <li>
      <figure>
        {props.image?.url ? (
          <a href={props.image.url}>
            <img src={props.image.url} alt={props.image.label} />
          </a>
        ) : (
          <p class="muted">{props.waiting ? "Working on it…" : "No image"}</p>
        )}
        <figcaption>{props.image?.label ?? "Result"}</figcaption>
      </figure>
    </li>
  );
}

async function resultPage(c: Context<DashEnv>) {
  const ok = allowed(c, "playground");
  if (ok instanceof Response) return ok;
  const ctx = dashContext(c);
  const mode: Mode = c.req.query("mode") === "test" ? "test" : "live";
  const accountId = mode === "test" ? testAccountIdOf(ok.accountId) : ok.accountId;
  const detail = await loadGenerationDetail(ctx, accountId, c.req.param("generationId") ?? "");
  const g = detail.view;
  const running = g.status === "PENDING" || g.status === "PROCESSING";
  return renderPage(
    c,
    "Playground",
    <>
      <p>
        {`Generation ${g.generationId}${mode === "test" ? " (test mode)" : ""}: `}
        <StatusBadge g={g} />
        {running ? <span class="muted"> This page refreshes until it finishes.</span> : null}
        {g.errorMessage ? <span>{` ${g.errorMessage}`}</span> : null}
      </p>
      <ul class="thumbs">
        <Figure image={detail.person} />
        {detail.garments.map((image) => (
          <Figure image={image} />
        ))}
        <Figure image={g.status === "COMPLETED" ? detail.result : null} waiting={running} />
      </ul>
      <p>
        {mode === "live" ? <a href={`/dashboard/generations/${encodeURIComponent(g.generationId)}`}>Generation details</a> : null}
        {mode === "live" ? " · " : null}
        <a href="/dashboard/playground">Run another try-on</a>
      </p>
    </>,
    { headers: running ? { refresh: String(REFRESH_SECONDS) } : {} },
  );
}

/** The playground (docs/dashboard.md): runs try-ons through the API's own routes with the account's playground key. */
export function createPlaygroundPages(appFetch: AppFetch): Hono<DashEnv> {
  return new Hono<DashEnv>()
    .get("/playground", (c) => formPage(c, emptyForm({ personSample: "on", garmentSample: "on", test: "on" })))
    .post("/playground", (c) => run(c, appFetch))
    .get("/playground/:generationId", resultPage);
}
