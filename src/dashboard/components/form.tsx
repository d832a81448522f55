import type { Child } from "hono/jsx";
import { newFormToken } from "../../services/users";
import type { FormState } from "../forms";

/**
 * A POST form carrying the CSRF token (every dashboard form is one of these). `data` adds
 * `data-*` attributes for app.js (e.g. where a passkey form fetches its ceremony options).
 */
export function PostForm(props: {
  action: string;
  csrf: string;
  children?: Child;
  class?: string;
  confirm?: string;
  label?: string;
  data?: Record<string, string>;
  /** `multipart/form-data` for a form with file inputs. */
  enctype?: "multipart/form-data";
}) {
  const data = Object.fromEntries(Object.entries(props.data ?? {}).map(([k, v]) => [`data-${k}`, v]));
  return (
    <form method="post" action={props.action} enctype={props.enctype} class={props.class} data-confirm={props.confirm} aria-label={props.label} {...data}>
      <input type="hidden" name="_csrf" value={props.csrf} />
      <input type="hidden" name="_idem" value={newFormToken()} />
      {props.children}
    </form>
  );
}

interface FieldProps {
  name: string;
  label: string;
  state: FormState;
  type?: "text" | "email" | "password" | "number" | "url" | "date";
  autocomplete?: string;
  required?: boolean;
  hint?: string;
  min?: number;
  max?: number;
  maxlength?: number;
  readonly?: boolean;
  value?: string;
}

/**
 * A labelled input with its hint and its error in place (tied by aria-describedby). A password
 * field is never refilled with what was typed.
 */
export function Field(props: FieldProps) {
  const id = `f-${props.name}`;
  const error = props.state.errors[props.name];
  const value = props.type === "password" ? undefined : (props.value ?? props.state.values[props.name]);
  const described = [props.hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div class={error ? "field field-invalid" : "field"}>
      <label for={id}>
        {props.label}
        {props.required ? null : <span class="optional"> (optional)</span>}
      </label>
      {props.hint ? (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        value={value}
        autocomplete={props.autocomplete}
        required={props.required}
        min={props.min}
        max={props.max}
        maxlength={props.maxlength}
        readonly={props.readonly}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={described}
      />
      {error ? (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** The form-level message (a refusal not tied to one field), announced to screen readers. */
export function FormError(props: { message?: string | undefined }) {
  if (!props.message) return null;
  return (
    <div class="alert alert-error" role="alert">
      {props.message}
    </div>
  );
}
