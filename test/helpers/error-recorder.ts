/**
 * "Every code a route can answer is listed for that route" — checked on every
 * error the whole test suite provokes.
 *
 * How: `call()` (test/helpers/harness.ts) is the suite's only door to the
 * Worker, and it hands every response to `recordAnswer`. Each 4xx/5xx is
 * recorded under the route that answered it: the first endpoint the app's own
 * router matches for the method and path, which is the one Hono runs (HEAD
 * runs GET). At the end of every test file, an afterAll in test/setup.ts
 * (so no file can opt out) asserts that each recorded (route, code) is in that
 * route's per-status `code` enum in the OpenAPI document built from the same
 * app. Test files run in separate isolates, so each file checks its own
 * records rather than one test reading a suite-wide list at the end: no record
 * can be lost between isolates, and a failure names the file that provoked it.
 *
 * It also fails on an error answer that is not the envelope, or that comes from
 * a route the document lacks. Requests no route matches (ROUTE_NOT_FOUND,
 * METHOD_NOT_ALLOWED) belong to no operation and are not recorded. What no
 * test provokes cannot be seen here: test/http/auth-matrix.test.ts drives every
 * served route into the shared errors and fails when a route has no sample.
 */

import { getPath } from "hono/utils/url";
import { createApp } from "../../src/app";
import { openApiDocument } from "../../src/http/openapi";
import { DASHBOARD_BASE } from "../../src/lib/api-paths";

interface Answer {
  method: string;
  route: string;
  code: string;
  status: number;
  example: string;
}

const answers = new Map<string, Answer>();
let app: ReturnType<typeof createApp> | undefined;
let doc: { paths?: Record<string, Record<string, Operation>> } | undefined;

/** The pattern of the endpoint Hono runs for (method, url), or null when none matches (404/405). */
export function routeOf(method: string, url: string): string | null {
  app ??= createApp();
  const m = method === "HEAD" ? "GET" : method;
  const [handlers] = app.router.match(m, getPath(new Request(url)));
  for (const [[, route]] of handlers) if (route.method !== "ALL") return route.path;
  return null;
}

/** Records a response of the Worker (only error answers are kept). */
export async function recordAnswer(method: string, url: string, res: Response): Promise<void> {
  // A HEAD answer has no body to name its code; the same GET's answer is the one checked.
  if (res.status < 400 || method === "HEAD") return;
  const route = routeOf(method, url);
  // The dashboard is a web app (HTML pages), not the API's contract: its own tests cover its answers.
  // The FASHN facade answers FASHN's format (docs/fashn-compat.md): test/routes/fashn.test.ts checks it.
  if (route === null || route === DASHBOARD_BASE || route.startsWith(`${DASHBOARD_BASE}/`) || route.startsWith("/v1/")) return;
  const text = await res.clone().text();
  let code = `(not an envelope: ${text.slice(0, 80)})`;
  try {
    const body = JSON.parse(text) as { code?: unknown };
    if (typeof body.code === "string") code = body.code;
  } catch {
    // kept as "not an envelope"
  }
  const key = `${method} ${route} ${code}`;
  if (!answers.has(key)) answers.set(key, { method, route, code, status: res.status, example: `${method} ${new URL(url).pathname.slice(0, 120)}` });
}

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/** Codes named by an error response schema: `Error` narrowed by `allOf` to a `code` enum. */
export function enumCodes(schema: unknown): string[] {
  if (typeof schema !== "object" || schema === null) return [];
  const s = schema as { allOf?: unknown[]; properties?: { code?: { enum?: unknown[] } } };
  const own = (s.properties?.code?.enum ?? []).filter((c): c is string => typeof c === "string");
  return [...own, ...(s.allOf ?? []).flatMap(enumCodes)];
}

/** Hono's pattern → the document's path: `:id` → `{id}`; a trailing `*` is one named parameter. */
function docPathOf(route: string, paths: string[]): string | undefined {
  if (route.endsWith("/*")) {
    const prefix = route.slice(0, -1);
    return paths.find((p) => p.startsWith(prefix) && /^\{[^/]+\}$/.test(p.slice(prefix.length)));
  }
  const path = route.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
  return paths.includes(path) ? path : undefined;
}

/** Declared codes by status for one operation of the document; null when the document lacks it. */
export function declaredErrors(method: string, route: string): Map<number, string[]> | null {
  app ??= createApp();
  doc ??= openApiDocument(app) as { paths?: Record<string, Record<string, Operation>> };
  const paths = doc.paths ?? {};
  const docPath = docPathOf(route, Object.keys(paths));
  const op = docPath ? paths[docPath]?.[method.toLowerCase()] : undefined;
  if (!op) return null;
  const out = new Map<number, string[]>();
  for (const [status, response] of Object.entries(op.responses ?? {})) {
    if (Number(status) < 400) continue;
    out.set(Number(status), enumCodes(response.content?.["application/json"]?.schema));
  }
  return out;
}

/** Each recorded answer that the document does not declare for its route, as a readable line. */
export function undeclaredAnswers(recorded: Iterable<Answer> = answers.values()): string[] {
  const problems: string[] = [];
  for (const a of recorded) {
    const declared = declaredErrors(a.method, a.route);
    if (declared === null) problems.push(`${a.method} ${a.route}: not in the OpenAPI document, yet answered ${a.status} ${a.code} (${a.example})`);
    else if (!declared.get(a.status)?.includes(a.code)) {
      problems.push(
        `${a.method} ${a.route} answered ${a.status} ${a.code} (${a.example}); its ${a.status} response lists [${declared.get(a.status)?.join(", ") ?? ""}]`,
      );
    }
  }
  return problems;
}

export function recordedAnswers(): Answer[] {
  return [...answers.values()];
}

/** Run after every test file (test/setup.ts). */
export function assertAnsweredErrorsDeclared(): void {
  const problems = undeclaredAnswers();
  answers.clear();
  if (problems.length > 0) {
    throw new Error(
      `Error codes answered in this file that the route's OpenAPI error responses do not list (add them to the route's \`errors\`, or to sharedErrorCodes in src/schemas/errors.ts when shared middleware answers them):\n  ${problems.join("\n  ")}`,
    );
  }
}
