// Holds the architecture in place: which folders of src/ may import what.
// Run by `npm run lint` (and so by .ci/run). Rules, by importing folder:
//   src/db/        the only place that imports drizzle-orm
//   src/services/  domain rules: no hono, no @hono/*, no routes/http
//   src/lib/       pure helpers: no hono, no drizzle, no services/routes/db
//   src/engines/   no hono, no drizzle, no routes/http/db
//   src/routes/    HTTP only: no direct db access (go through services)
// Plus, everywhere in src/: no `any` in type positions, and no wall-clock read
// (`Date.now()`, `new Date()`) outside src/lib/clock.ts, the one clock seam.
// In test/: no clock pinned to a calendar date.
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const src = join(root, "src");

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(p);
    else if (p.endsWith(".ts")) yield p;
  }
}

const RULES = [
  { where: (f) => !f.startsWith("db/"), forbid: /^drizzle-orm(\/|$)/, why: "only src/db/ may import drizzle-orm" },
  { where: (f) => f.startsWith("services/"), forbid: /^(hono(\/|$)|@hono\/)/, why: "services never import Hono" },
  { where: (f) => f.startsWith("services/"), forbid: /(^|\/)(routes|http)\//, why: "services never import routes or http" },
  { where: (f) => f.startsWith("lib/"), forbid: /^(hono(\/|$)|@hono\/)|(^|\/)(services|routes|db|http)\//, why: "lib/ holds pure helpers" },
  { where: (f) => f.startsWith("engines/"), forbid: /^(hono(\/|$)|@hono\/)|(^|\/)(routes|http|db)\//, why: "engines know nothing of HTTP or storage" },
  { where: (f) => f.startsWith("routes/"), forbid: /(^|\/)db\//, why: "routes reach the database through services" },
  { where: (f) => f.startsWith("durable/"), forbid: /^(hono(\/|$)|@hono\/)|(^|\/)(routes|http)\//, why: "durable objects know nothing of HTTP routing" },
  { where: (f) => f.startsWith("queues/") || f.startsWith("cron/"), forbid: /^(hono(\/|$)|@hono\/)|(^|\/)(routes|http)\//, why: "consumers and cron call services, not HTTP code" },
];

const importRe = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
const anyRe = /(:\s*any\b|\bas\s+any\b|<any>|any\[\])/;
const clockRe = /\bDate\.now\(\)|\bnew Date\(\s*\)/;

const problems = [];
for await (const file of walk(src)) {
  const rel = relative(src, file);
  const text = await readFile(file, "utf8");
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2];
    for (const rule of RULES) {
      if (rule.where(rel) && rule.forbid.test(spec)) problems.push(`${rel}: imports "${spec}" — ${rule.why}`);
    }
  }
  text.split("\n").forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed.startsWith("*") || trimmed.startsWith("/*")) return; // doc comments are prose
    const code = line.replace(/\/\/.*$/, "");
    if (anyRe.test(code)) problems.push(`${rel}:${i + 1}: uses \`any\` — type it (unknown + a check, or a real type)`);
    if (rel !== "lib/clock.ts" && clockRe.test(code)) problems.push(`${rel}:${i + 1}: reads the wall clock — use now() from lib/clock.ts`);
  });
}

// Tests pass on any day: a clock pinned to a calendar date passes on the day it is written and fails
// days later, when the isolate and the AccountGate disagree about "now". Derive instants from now().
const pinnedClockRe = /(Date\.UTC\(\s*20\d\d|new Date\(\s*["'`]20\d\d|setSystemTime\(|useFakeTimers\()/;
const CALENDAR_OK = new Set(["lib/clock.test.ts"]); // asserts the shifted clock is past a fixed date, on purpose
for await (const file of walk(join(root, "test"))) {
  const rel = relative(join(root, "test"), file);
  if (CALENDAR_OK.has(rel)) continue;
  (await readFile(file, "utf8")).split("\n").forEach((line, i) => {
    if (pinnedClockRe.test(line)) problems.push(`test/${rel}:${i + 1}: pins a clock to a calendar date — derive it from now()`);
  });
}

if (problems.length) {
  console.error(`lint-layers: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join("\n")}`);
  process.exit(1);
}
console.log("lint-layers: ok");
