import type { Flash } from "../env";

/** The message a redirect left for this page. */
export function FlashMessage(props: { flash: Flash | null }) {
  if (!props.flash) return null;
  return (
    <div class={`alert alert-${props.flash.kind}`} role={props.flash.kind === "error" ? "alert" : "status"}>
      {props.flash.text}
    </div>
  );
}
