import type { Child } from "hono/jsx";
import type { FormState } from "../forms";

/** A labelled select with its error in place, like `Field` (the first option is "any"/a default). */
export function SelectField(props: { name: string; label: string; state: FormState; options: ReadonlyArray<{ value: string; label: string }>; hint?: string }) {
  const id = `f-${props.name}`;
  const error = props.state.errors[props.name];
  const current = props.state.values[props.name] ?? "";
  const described = [props.hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div class={error ? "field field-invalid" : "field"}>
      <label for={id}>{props.label}</label>
      {props.hint ? (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      <select id={id} name={props.name} aria-invalid={error ? "true" : undefined} aria-describedby={described}>
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === current}>
            {o.label}
          </option>
        ))}
      </select>
      {error ? (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A GET form (filters): no CSRF token, nothing changes. */
export function FilterForm(props: { action: string; label: string; children?: Child }) {
  return (
    <form method="get" action={props.action} class="filters" aria-label={props.label}>
      {props.children}
    </form>
  );
}
