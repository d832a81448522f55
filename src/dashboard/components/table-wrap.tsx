import type { Child } from "hono/jsx";

/**
 * A table's horizontal scroller. On a phone a wide table scrolls inside it instead of widening the
 * page; a keyboard user can reach and scroll it (it is focusable), and a screen reader announces
 * it as a named region (WCAG 2.1.1; axe-core's `scrollable-region-focusable`).
 */
export function TableWrap(props: { label: string; children: Child }) {
  return (
    <section class="table-wrap" aria-label={props.label} tabindex={0}>
      {props.children}
    </section>
  );
}
