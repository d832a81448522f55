// Writes docs/llms.txt (an index, https://llmstxt.org) and docs/llms-full.txt (the integrator API
// in one Markdown file) from docs/openapi.json and the integrator guides of docs/. The Worker
// serves both at /llms.txt and /llms-full.txt (static assets, copied by scripts/build-assets.mjs).
// `--check` fails when a checked-in copy is stale (CI: `npm run check:llms`).
import { readFileSync, writeFileSync } from "node:fs";

const check = process.argv.includes("--check");
const docsDir = new URL("../docs/", import.meta.url);
const doc = JSON.parse(readFileSync(new URL("openapi.json", docsDir), "utf8"));

/** The guides an integrator needs, in reading order (operator-only guides stay out). */
const GUIDES = [
  ["api.md", "Conventions: auth, errors, ids, bodies, pagination, and every route"],
  ["try-on.md", "Try-on: generations, polling, sync, cancel, the queue pipeline"],
  ["images-and-products.md", "Uploads, signed file URLs, safe URL fetching, the product catalog"],
  ["credits-limits-idempotency.md", "Credits, rate limits and idempotency keys"],
  ["webhooks.md", "Webhook events, Standard Webhooks signatures, retries, a verifying receiver"],
  ["pagination.md", "Cursor pagination of every list"],
  ["limits.md", "Body limits and what bad input gets"],
  ["privacy.md", "Customer erasure and retention"],
  ["engines.md", "The try-on engines"],
  ["mcp.md", "The MCP server at /mcp: tools for agents"],
  ["errors.md", "Every error code, its status and retry class"],
];
/** Paths for integrators: the operator API (/admin/v1, ADMIN_TOKEN) is not part of these files. */
const isIntegratorPath = (path) => !path.startsWith("/admin/");
const METHODS = ["get", "post", "put", "patch", "delete"];

const slug = (text) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, "")
    .trim()
    .replace(/\s+/g, "-");

function operations() {
  const out = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!isIntegratorPath(path)) continue;
    for (const method of METHODS) if (item[method]) out.push({ path, method, op: item[method] });
  }
  return out;
}

// ── Schemas as TypeScript-like types: compact, and read well by people and models alike. ──

const refName = (ref) => ref.replace("#/components/schemas/", "");

function literal(v) {
  return JSON.stringify(v);
}

function typeOf(s, depth) {
  if (!s || typeof s !== "object") return "unknown";
  if (s.$ref) return refName(s.$ref);
  if (s.enum) return s.enum.map(literal).join(" | ");
  if (s.const !== undefined) return literal(s.const);
  if (s.allOf) return s.allOf.map((x) => typeOf(x, depth)).join(" & ");
  const union = s.anyOf ?? s.oneOf;
  if (union) return union.map((x) => typeOf(x, depth)).join(" | ");
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length > 1) return types.map((t) => typeOf({ ...s, type: t }, depth)).join(" | ");
  switch (types[0]) {
    case "string":
      return s.format === "binary" ? "File" : "string";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array":
      return `Array<${typeOf(s.items, depth)}>`;
    case "object":
      return objectType(s, depth);
    default:
      return s.properties ? objectType(s, depth) : "unknown";
  }
}

function constraints(s) {
  const parts = [];
  if (s.format && s.format !== "binary") parts.push(s.format);
  if (s.minLength !== undefined) parts.push(`min length ${s.minLength}`);
  if (s.maxLength !== undefined) parts.push(`max length ${s.maxLength}`);
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.minItems !== undefined) parts.push(`min ${s.minItems} items`);
  if (s.maxItems !== undefined) parts.push(`max ${s.maxItems} items`);
  if (s.default !== undefined) parts.push(`default ${literal(s.default)}`);
  return parts;
}

function comment(s) {
  const text = [s.description?.replace(/\s+/g, " ").trim(), ...constraints(s)].filter(Boolean).join("; ");
  return text ? ` // ${text}` : "";
}

function objectType(s, depth) {
  const props = Object.entries(s.properties ?? {});
  if (props.length === 0) return s.additionalProperties ? `Record<string, ${typeOf(s.additionalProperties, depth)}>` : "{}";
  const pad = "  ".repeat(depth + 1);
  const required = new Set(s.required ?? []);
  const lines = props.map(([name, p]) => `${pad}${name}${required.has(name) ? "" : "?"}: ${typeOf(p, depth + 1)};${comment(p)}`);
  return `{\n${lines.join("\n")}\n${"  ".repeat(depth)}}`;
}

/** Every component schema reachable from `roots`, in first-seen order. */
function reachable(roots) {
  const seen = new Set();
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== "object") return;
    if (typeof node.$ref === "string" && node.$ref.startsWith("#/components/schemas/")) {
      const name = refName(node.$ref);
      if (seen.has(name)) return;
      seen.add(name);
      visit(doc.components.schemas[name]);
      return;
    }
    for (const v of Object.values(node)) visit(v);
  };
  visit(roots);
  return [...seen];
}

// ── Operations ──

function errorCodes(response) {
  const schema = response.content?.["application/json"]?.schema;
  const extra = schema?.allOf?.find((x) => x.properties?.code?.enum);
  return extra?.properties.code.enum ?? null;
}

function operationSection({ path, method, op }) {
  const out = [`### ${op.summary ?? `${method.toUpperCase()} ${path}`}`, "", `\`${method.toUpperCase()} ${path}\` · operationId \`${op.operationId}\``, ""];
  if (op.description) out.push(op.description, "");
  out.push(op.security?.length ? "Auth: the API key (`x-api-key` or `Authorization: Bearer`)." : "Auth: none.", "");
  const params = op.parameters ?? [];
  if (params.length) {
    out.push("Parameters:", "");
    for (const p of params) {
      const s = p.schema ?? {};
      const notes = [p.description, ...constraints(s)].filter(Boolean).join("; ");
      out.push(`- \`${p.name}\` (${p.in}${p.required ? ", required" : ""}): \`${typeOf(s, 0)}\`${notes ? `. ${notes}` : ""}`);
    }
    out.push("");
  }
  if (op.requestBody) {
    out.push(`Body${op.requestBody.required ? "" : " (optional)"}:`, "");
    for (const [type, media] of Object.entries(op.requestBody.content ?? {})) out.push(`- \`${type}\`: \`${typeOf(media.schema, 0).replace(/\s+/g, " ")}\``);
    out.push("");
  }
  out.push("Responses:", "");
  for (const [status, res] of Object.entries(op.responses ?? {})) {
    const codes = errorCodes(res);
    if (codes) {
      out.push(`- ${status}: error envelope with \`code\` ${codes.map((c) => `\`${c}\``).join(", ")}`);
      continue;
    }
    const media = Object.entries(res.content ?? {}).map(([type, m]) => `\`${type}\` \`${typeOf(m.schema, 0).replace(/\s+/g, " ")}\``);
    out.push(`- ${status}: ${res.description ?? ""}${media.length ? ` (${media.join(", ")})` : ""}`);
  }
  out.push("");
  return out;
}

// ── The guides, demoted one heading level so the whole file has one H1 ──

function guide(file) {
  const text = readFileSync(new URL(file, docsDir), "utf8");
  let fenced = false;
  const lines = text.split("\n").map((line) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced || !/^#{1,5} /.test(line)) return line;
    return `#${line}`;
  });
  // Links between guides point into this file: a guide's anchor is its title's.
  return lines
    .join("\n")
    .replace(/\]\(([a-z0-9-]+)\.md#([^)]+)\)/g, "](#$2)")
    .replace(/\]\(([a-z0-9-]+)\.md\)/g, (_, name) => `](#${guideAnchor(`${name}.md`)})`)
    .replace(/\]\(openapi\.json\)/g, "](/tryon/v1/openapi.json)")
    .trimEnd();
}

function guideTitle(file) {
  const first = readFileSync(new URL(file, docsDir), "utf8")
    .split("\n")
    .find((l) => l.startsWith("# "));
  return first ? first.slice(2).trim() : file;
}
const guideAnchor = (file) => slug(guideTitle(file));

const GENERATED = "Generated by `npm run gen:llms` from docs/openapi.json and docs/*.md; do not edit.";
const intro = (info) => [`# ${info.title}`, "", `> ${info.description}`, ""];

function llmsFull() {
  const ops = operations();
  const webhookOps = Object.values(doc.webhooks ?? {}).flatMap((item) => METHODS.filter((m) => item[m]).map((m) => item[m]));
  const schemaNames = reachable([ops.map((o) => o.op), webhookOps]);
  const out = [...intro(doc.info), `<!-- ${GENERATED} -->`, ""];
  out.push(
    `API version ${doc.info.version}. Base path \`/tryon/v1\` on the deployment's origin. Machine-readable contract: \`GET /tryon/v1/openapi.json\` (OpenAPI 3.1).`,
    "",
    "Contents:",
    "",
  );
  for (const [file] of GUIDES) out.push(`- [${guideTitle(file)}](#${guideAnchor(file)})`);
  out.push(
    "- [Reference: every operation](#reference-every-operation)",
    "- [Reference: webhook events](#reference-webhook-events)",
    "- [Reference: schemas](#reference-schemas)",
    "",
  );
  for (const [file] of GUIDES) out.push(guide(file), "");
  out.push("## Reference: every operation", "");
  for (const o of ops) out.push(...operationSection(o));
  out.push("## Reference: webhook events", "");
  for (const [name, item] of Object.entries(doc.webhooks ?? {})) {
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      const body = op.requestBody?.content?.["application/json"]?.schema;
      out.push(`### \`${name}\``, "", op.summary ?? "", "", op.description ?? "", "", `Body: \`${typeOf(body, 0).replace(/\s+/g, " ")}\``, "");
    }
  }
  out.push("## Reference: schemas", "");
  for (const name of schemaNames) {
    const s = doc.components.schemas[name];
    out.push(`### ${name}`, "");
    if (s.description) out.push(s.description, "");
    out.push("```ts", `type ${name} = ${typeOf(s, 0)};`, "```", "");
  }
  return `${out
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}

function llmsIndex() {
  const out = [...intro(doc.info)];
  out.push(
    "Authenticate with the API key as `x-api-key: dr_live_…` or `Authorization: Bearer dr_live_…`. Every non-2xx answer is the envelope `{code, message, status, requestId, details?, docUrl}`; branch on `code`. POSTs take an `Idempotency-Key`.",
    "",
    `<!-- ${GENERATED} -->`,
    "",
    "## Docs",
    "",
    "- [The whole API in Markdown](/llms-full.txt): every guide below, every operation, every schema",
    "- [OpenAPI 3.1 document](/tryon/v1/openapi.json): the machine-readable contract",
    "- [Error catalog](/tryon/v1/errors): every code with its status and retry class (JSON)",
    "- [MCP server](/mcp): the same API as tools for agents (Streamable HTTP, the API key as Bearer)",
    "",
    "## Guides",
    "",
  );
  for (const [file, blurb] of GUIDES) out.push(`- [${guideTitle(file)}](/llms-full.txt#${guideAnchor(file)}): ${blurb}`);
  out.push("", "## Operations", "");
  for (const { path, method, op } of operations())
    out.push(`- [${method.toUpperCase()} ${path}](/llms-full.txt#${slug(op.summary ?? "")}): ${op.summary ?? op.operationId}`);
  out.push("", "## Optional", "", "- [Interactive reference](/tryon/v1/docs): the OpenAPI document in a browser (Scalar)", "");
  return out.join("\n");
}

const outputs = [
  ["llms.txt", llmsIndex()],
  ["llms-full.txt", llmsFull()],
];
let stale = 0;
for (const [name, text] of outputs) {
  const target = new URL(name, docsDir);
  if (check) {
    let current = "";
    try {
      current = readFileSync(target, "utf8");
    } catch {
      // a missing copy is stale
    }
    if (current !== text) {
      console.error(`docs/${name} is stale: run \`npm run gen:llms\` and commit it.`);
      stale++;
    }
  } else {
    writeFileSync(target, text);
    console.log(`wrote docs/${name} (${text.length} bytes)`);
  }
}
if (check && stale === 0) console.log("docs/llms.txt and docs/llms-full.txt are current.");
process.exitCode = stale > 0 ? 1 : 0;
