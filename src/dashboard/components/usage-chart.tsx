import type { GenerationStatus } from "../../schemas/generation-status";
import type { UsageDay } from "../../services/generations";
import { TableWrap } from "./table-wrap";

/** Bottom to top in each day's stacked bar. */
const STACK: readonly GenerationStatus[] = ["COMPLETED", "FAILED", "PROCESSING", "PENDING"];
const WIDTH = 600;
const PLOT_TOP = 10;
const PLOT_HEIGHT = 140;
const HEIGHT = PLOT_TOP + PLOT_HEIGHT + 24;

const dayLabel = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function summary(days: UsageDay[]): string {
  const totals = Object.fromEntries(STACK.map((s) => [s, days.reduce((n, d) => n + d.counts[s], 0)])) as Record<GenerationStatus, number>;
  const total = days.reduce((n, d) => n + d.total, 0);
  if (total === 0) return `No generations from ${dayLabel(days[0]?.dayStart ?? 0)} to ${dayLabel(days.at(-1)?.dayStart ?? 0)}.`;
  const busiest = days.reduce((a, b) => (b.total > a.total ? b : a));
  const parts = STACK.filter((s) => totals[s] > 0).map((s) => `${totals[s]} ${s.toLowerCase()}`);
  return `${total} generations over ${days.length} days (${parts.join(", ")}); the busiest day was ${dayLabel(busiest.dayStart)} with ${busiest.total}.`;
}

/**
 * Generations per UTC day by status, as a server-rendered stacked bar chart. Screen readers get
 * its title and a summary (`desc`); everyone can open the same numbers as a table.
 */
export function UsageChart(props: { days: UsageDay[] }) {
  const { days } = props;
  const max = Math.max(1, ...days.map((d) => d.total));
  const slot = WIDTH / Math.max(1, days.length);
  const bar = Math.max(2, slot * 0.7);
  return (
    <figure class="usage">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="usage-title usage-desc" class="usage-chart">
        <title id="usage-title">{`Generations per day, last ${days.length} days`}</title>
        <desc id="usage-desc">{summary(days)}</desc>
        <line x1="0" x2={WIDTH} y1={PLOT_TOP + PLOT_HEIGHT} y2={PLOT_TOP + PLOT_HEIGHT} class="usage-axis" />
        {days.map((d, i) => {
          let y = PLOT_TOP + PLOT_HEIGHT;
          return (
            <g>
              <title>{`${dayLabel(d.dayStart)}: ${d.total} (${STACK.map((s) => `${d.counts[s]} ${s.toLowerCase()}`).join(", ")})`}</title>
              {STACK.map((s) => {
                const h = (d.counts[s] / max) * PLOT_HEIGHT;
                if (h === 0) return null;
                y -= h;
                return (
                  <rect
                    x={(i * slot + (slot - bar) / 2).toFixed(1)}
                    y={y.toFixed(1)}
                    width={bar.toFixed(1)}
                    height={h.toFixed(1)}
                    class={`bar-${s.toLowerCase()}`}
                  />
                );
              })}
            </g>
          );
        })}
        <text x="0" y={HEIGHT - 6} class="usage-label">
          {dayLabel(days[0]?.dayStart ?? 0)}
        </text>
        <text x={WIDTH} y={HEIGHT - 6} text-anchor="end" class="usage-label">
          {dayLabel(days.at(-1)?.dayStart ?? 0)}
        </text>
        <text x={WIDTH} y={PLOT_TOP} text-anchor="end" class="usage-label">
          {`max ${max}`}
        </text>
      </svg>
      <figcaption>
        <ul class="legend">
          {STACK.map((s) => (
            <li>
              <span class={`swatch bar-${s.toLowerCase()}`} aria-hidden="true" />
              {s.toLowerCase()}
            </li>
          ))}
        </ul>
        <details>
          <summary>The numbers as a table</summary>
          <TableWrap label="Generations per day">
            <table class="usage-table">
              <thead>
                <tr>
                  <th scope="col">Day (UTC)</th>
                  {STACK.map((s) => (
                    <th scope="col">{s.toLowerCase()}</th>
                  ))}
                  <th scope="col">Total</th>
                </tr>
              </thead>
              <tbody>
                {days.map((d) => (
                  <tr data-day={dayLabel(d.dayStart)}>
                    <th scope="row">{dayLabel(d.dayStart)}</th>
                    {STACK.map((s) => (
                      <td class="num">{d.counts[s]}</td>
                    ))}
                    <td class="num">{d.total}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </details>
      </figcaption>
    </figure>
  );
}
