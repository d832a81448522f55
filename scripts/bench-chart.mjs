// `npm run bench:chart -- out.json [docs/benchmarks.svg]`: draws the bench's JSON (`npm run bench -- --json`)
// as an SVG bar chart and prints its header and table as Markdown, with plain string building (no dependency, no external service).
// Two panels: throughput rows as a share of the bare route (the aim as a marker), and budgeted rows as
// a share of their budget (the budget, 100 %, as the marker; a bar past it is over budget).
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const WIDTH = 860;
const LABEL_W = 380;
const BAR_H = 18;
const GAP = 8;
const PLOT_W = WIDTH - LABEL_W - 170;
// Bars are drawn up to this share; a longer one is cut there (the text still says the real figure).
const SCALE_CAP = 300;
const LABEL_CHARS = 56;

const esc = (s) => String(s).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** The rows of each panel: { label, percent, marker (percent or null), pass, text }. */
export function chartRows(result) {
  const throughput = result.rows
    .filter((r) => r.kind === "throughput" && r.ratio != null)
    .map((r) => ({
      label: r.name,
      percent: r.ratio * 100,
      marker: r.aim ? r.aim.ratio * 100 : null,
      pass: r.pass,
      text: `${Math.round(r.ratio * 100)} % (${r.rps} req/s)`,
    }));
  const budgets = result.rows
    .filter((r) => r.budget && r.value != null)
    .map((r) => ({
      label: r.name,
      percent: (r.value / r.budget.max) * 100,
      marker: 100,
      pass: r.pass,
      text: `${r.value} / ${r.budget.max} ${r.budget.unit}`,
    }));
  return { throughput, budgets };
}

function panel(title, rows, top) {
  const max = Math.min(SCALE_CAP, Math.max(100, ...rows.map((r) => r.percent), ...rows.map((r) => r.marker ?? 0)));
  const scale = PLOT_W / max;
  const parts = [`<text x="10" y="${top + 14}" class="title">${esc(title)}</text>`];
  let y = top + 28;
  for (const r of rows) {
    const cut = r.percent > max;
    const w = Math.max(1, Math.min(r.percent, max) * scale);
    const colour = r.pass === false ? "#c0392b" : r.pass === true ? "#2e7d32" : "#607d8b";
    parts.push(
      `<text x="${LABEL_W - 8}" y="${y + BAR_H - 5}" class="label" text-anchor="end">${esc(r.label.length > LABEL_CHARS ? `${r.label.slice(0, LABEL_CHARS - 1)}…` : r.label)}</text>`,
      `<rect class="bar" x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${colour}"><title>${esc(`${r.label}: ${r.text}`)}</title></rect>`,
      `<text x="${(LABEL_W + w + 6).toFixed(1)}" y="${y + BAR_H - 5}" class="value">${esc(cut ? `» ${r.text}` : r.text)}</text>`,
    );
    if (r.marker != null) {
      const mx = (LABEL_W + r.marker * scale).toFixed(1);
      parts.push(`<line class="marker" x1="${mx}" x2="${mx}" y1="${y - 3}" y2="${y + BAR_H + 3}" stroke="#111" stroke-width="2" stroke-dasharray="3 2"/>`);
    }
    y += BAR_H + GAP;
  }
  return { svg: parts.join("\n"), bottom: y };
}

/** The SVG document for a bench result. */
export function renderChart(result) {
  const { throughput, budgets } = chartRows(result);
  const h = result.header ?? {};
  const caption = `${h.date ?? ""} · commit ${h.commit ?? "?"} · ${h.machine?.cores ?? "?"} × ${h.machine?.cpu ?? "?"} · node ${h.versions?.node ?? "?"} · workerd ${h.versions?.workerd ?? "?"}`;
  const a = panel("Throughput, % of the bare route (GET /healthz, start of run); dashed line = aim", throughput, 36);
  const b = panel("Measured, % of budget; dashed line = budget (100 %); red = over", budgets, a.bottom + 16);
  const height = b.bottom + 24;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="Drape benchmark results">
<style>text{font-family:system-ui,sans-serif;font-size:12px;fill:#222}.title{font-weight:600;font-size:13px}.caption{fill:#555;font-size:11px}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="18" class="title">Drape bench</text>
<text x="10" y="32" class="caption">${esc(caption)}</text>
${a.svg}
${b.svg}
<text x="10" y="${height - 8}" class="caption">${esc(`bare route noise: ${result.noise?.bareStartRps ?? "?"} → ${result.noise?.bareEndRps ?? "?"} req/s between the start and the end of the run`)}</text>
</svg>
`;
}

function measured(row) {
  if (row.kind === "throughput") return `${row.rps} req/s · p50 ${row.p50} ms · p99 ${row.p99} ms`;
  return `${row.value} ${row.unit}`;
}

/** The run's header and results table as Markdown (what `npm run bench` prints, and docs/benchmarks.md holds). */
export function markdownReport({ header: h, rows, noise, notes = [] }) {
  const lines = [
    `Run ${h.date}, commit ${h.commit}, ${h.durationSeconds} s in all.`,
    `Machine: ${h.machine.cores} × ${h.machine.cpu}, ${h.machine.memoryGiB} GiB, ${h.machine.os}.`,
    `Versions: Node ${h.versions.node}, workerd ${h.versions.workerd}, miniflare ${h.versions.miniflare}, wrangler ${h.versions.wrangler}, autocannon ${h.versions.autocannon}.`,
    `Load: ${h.settings.connections} connections, ${h.settings.secondsPerRow} s per row.`,
    ...(h.settings.serving ? [`Served on ${h.settings.serving.socket}; D1, Durable Objects and R2 on ${h.settings.serving.storage}.`] : []),
    "",
    "| row | measured | vs bare | budget / aim | pass |",
    "|---|---|---:|---|:-:|",
  ];
  for (const r of rows) {
    const ratio = r.ratio == null ? "—" : `${Math.round(r.ratio * 100)} %`;
    const target = r.budget ? `≤ ${r.budget.max} ${r.budget.unit}` : (r.aim?.text ?? "—");
    const pass = r.pass == null ? "—" : r.pass ? "yes" : "**no**";
    lines.push(`| ${r.name} | ${measured(r)}${r.detail ? ` (${r.detail})` : ""} | ${ratio} | ${target} | ${pass} |`);
  }
  lines.push(
    "",
    `Noise: the bare route moved ${Math.round(noise.relative * 100)} % between the start (${noise.bareStartRps} req/s) and the end (${noise.bareEndRps} req/s) of the run.`,
  );
  for (const n of notes) lines.push(`Note: ${n}.`);
  return lines.join("\n");
}

function main(argv) {
  const [input, output = fileURLToPath(new URL("../docs/benchmarks.svg", import.meta.url))] = argv;
  if (!input) {
    process.stderr.write("usage: npm run bench:chart -- out.json [docs/benchmarks.svg]\n");
    process.exit(2);
  }
  const result = JSON.parse(readFileSync(input, "utf8"));
  writeFileSync(output, renderChart(result));
  // The Markdown for docs/benchmarks.md, on stdout.
  process.stdout.write(`${markdownReport(result)}\n`);
  process.stderr.write(`wrote ${output}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
