/** An instant as UTC text, machine-readable in `datetime` (app.js may show it in local time). */
export function Time(props: { ms: number | null | undefined; empty?: string }) {
  if (props.ms === null || props.ms === undefined) return <span class="muted">{props.empty ?? "—"}</span>;
  const iso = new Date(props.ms).toISOString();
  return <time datetime={iso}>{`${iso.slice(0, 16).replace("T", " ")} UTC`}</time>;
}
