import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { markdownReport, renderChart } from "../../scripts/bench-chart.mjs";

const render = renderChart as (result: unknown) => string;
const markdown = markdownReport as (result: unknown) => string;

/** Every element closed in order, every attribute quoted, no bare `&` or `<` in text: well-formed XML. */
function assertWellFormed(svg: string) {
  const stack: string[] = [];
  const text = svg.replace(/<\?xml[^>]*\?>/, "");
  for (const m of text.matchAll(/<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, closing, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else stack.push(name as string);
  }
  expect(stack).toEqual([]);
  // Any `<` left is one the tag pattern did not accept (an unquoted attribute, a raw `<` in text).
  expect(text.replace(/<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g, "")).not.toMatch(/[<>]/);
  expect(text).not.toMatch(/&(?!amp;|lt;|gt;|quot;)/);
}

const result = {
  header: {
    date: "run date",
    commit: "abc1234",
    durationSeconds: 90,
    machine: { cores: 2, cpu: "Test CPU", memoryGiB: 8, os: "Linux" },
    versions: { node: "v22", workerd: "1.2", miniflare: "5", wrangler: "4", autocannon: "9" },
    settings: { connections: 10, secondsPerRow: 2, serving: { socket: "a direct socket", storage: "tmpfs" } },
  },
  noise: { bareStartRps: 1000, bareEndRps: 950, relative: 0.05 },
  rows: [
    { id: "bare-start", name: "GET /healthz (bare)", kind: "throughput", rps: 1000, ratio: 1, aim: null, pass: null },
    {
      id: "credits",
      name: "GET /credits <auth & DO>",
      kind: "throughput",
      rps: 600,
      p50: 4,
      p99: 9,
      ratio: 0.6,
      aim: { ratio: 0.5, text: "≥ 50 % of bare" },
      pass: true,
    },
    { id: "gen", name: "GET /generations/{id}", kind: "throughput", rps: 200, ratio: 0.2, aim: { ratio: 0.5 }, pass: false },
    { id: "e2e", name: "Mock end to end", kind: "budget", value: 1200, unit: "ms", budget: { max: 1000, unit: "ms" }, pass: false },
    { id: "bundle", name: "Bundle", kind: "budget", value: 380, unit: "KiB", budget: { max: 400, unit: "KiB" }, pass: true },
    { id: "consumer", name: "Consumer", kind: "rate", value: 12, unit: "gen/s", pass: null },
  ],
};

describe("bench chart (scripts/bench-chart.mjs)", () => {
  it("draws a well-formed SVG with one bar per throughput or budgeted row", () => {
    const svg = render(result);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    assertWellFormed(svg);
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(5);
    for (const name of ["GET /healthz (bare)", "GET /credits &lt;auth &amp; DO&gt;", "GET /generations/{id}", "Mock end to end", "Bundle"]) {
      expect(svg).toContain(`>${name}</text>`);
    }
  });

  it("marks the aim or budget of each row that has one, and colours a miss red", () => {
    const svg = render(result);
    // credits and generations (aim 50 %), end to end and bundle (budget 100 %); the bare row has none.
    expect(svg.match(/<line class="marker"/g)).toHaveLength(4);
    expect(svg.match(/fill="#c0392b"/g)).toHaveLength(2);
  });

  it("prints the header and one table line per row, with its target and verdict", () => {
    const md = markdown(result).split("\n");
    expect(md[0]).toBe("Run run date, commit abc1234, 90 s in all.");
    expect(md[1]).toContain("2 × Test CPU");
    expect(md).toContain("Served on a direct socket; D1, Durable Objects and R2 on tmpfs.");
    const table = md.filter((l) => l.startsWith("| ") && !l.startsWith("| row "));
    expect(table).toHaveLength(result.rows.length);
    expect(table[1]).toBe("| GET /credits <auth & DO> | 600 req/s · p50 4 ms · p99 9 ms | 60 % | ≥ 50 % of bare | yes |");
    expect(table[3]).toBe("| Mock end to end | 1200 ms | — | ≤ 1000 ms | **no** |");
    expect(md.at(-1)).toContain("moved 5 % between the start (1000 req/s) and the end (950 req/s)");
  });
});
