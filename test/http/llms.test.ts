import { describe, expect, it } from "vitest";
import { call } from "../helpers/harness";

interface Doc {
  info: { title: string };
  paths: Record<string, Record<string, { operationId: string; summary?: string }>>;
  components: { schemas: Record<string, unknown> };
}

async function text(path: string): Promise<{ res: Response; body: string }> {
  const res = await call(path);
  return { res, body: await res.text() };
}

// The served files are generated from the document this Worker serves (docs/openapi.json is
// its checked-in copy, held current by CI), so they are compared against the live document.
async function liveDoc(): Promise<Doc> {
  return (await (await call("/tryon/v1/openapi.json")).json()) as Doc;
}

function integratorOperations(doc: Doc): Array<{ line: string; operationId: string }> {
  return Object.entries(doc.paths)
    .filter(([path]) => !path.startsWith("/admin/"))
    .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ line: `${method.toUpperCase()} ${path}`, operationId: op.operationId })));
}

/** Markdown headings, skipping fenced code (where `# ` starts a shell comment). */
function headingsOutsideCode(markdown: string): string[] {
  let fenced = false;
  return markdown.split("\n").filter((line) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    return !fenced && /^#{1,6} /.test(line);
  });
}

describe("GET /llms.txt and /llms-full.txt", () => {
  it("/llms.txt is an llms.txt index: a title, a summary, and a link to every integrator operation and to the full file", async () => {
    const { res, body } = await text("/llms.txt");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const doc = await liveDoc();
    expect(body.startsWith(`# ${doc.info.title}\n\n> `)).toBe(true);
    expect(body).toContain("](/llms-full.txt)");
    expect(body).toContain("](/tryon/v1/openapi.json)");
    for (const op of integratorOperations(doc)) expect(body).toContain(`- [${op.line}](/llms-full.txt#`);
    // The operator API is not for integrators' agents.
    expect(body).not.toContain("/admin/v1");
  });

  it("/llms-full.txt holds every integrator operation (by operationId), the guides, and the schemas they use", async () => {
    const { res, body } = await text("/llms-full.txt");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const doc = await liveDoc();
    const missing = integratorOperations(doc).filter((op) => !body.includes(`\`${op.line}\` · operationId \`${op.operationId}\``));
    expect(missing).toEqual([]);
    for (const name of ["TryOnRequest", "Generation", "Error", "Product"]) expect(body).toContain(`type ${name} = `);
    for (const heading of ["## Try-on: generations, polling, sync, cancel", "## Webhooks", "## Errors", "## Reference: webhook events"]) {
      expect(body).toContain(`\n${heading}\n`);
    }
    // One H1: the guides' titles are demoted under the document's.
    expect(headingsOutsideCode(body).filter((h) => h.startsWith("# "))).toHaveLength(1);
    // The operator API has no reference section (the API guide only mentions it).
    expect(body).not.toMatch(/`[A-Z]+ \/admin\/v1[^`]*` · operationId/);
  });
});
