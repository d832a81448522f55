import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { version } from "../../package.json";
import { ApiError } from "../errors";
import { apiPath } from "../lib/api-paths";
import { base64Decode } from "../lib/base64";
import { safeFetchImage } from "../lib/safe-fetch";
import type { ApiAnswer, ApiCaller } from "./api-call";
import { thumbnailOf } from "./thumbnail";
import {
  type CreateTryOnArgs,
  CreateTryOnInput,
  GetCreditsInput,
  GetGenerationInput,
  ListGenerationsInput,
  RegisterProductInput,
  UploadPersonImageInput,
} from "./tools";

export interface McpDeps {
  api: ApiCaller;
  images: ImagesBinding | undefined;
  allowLoopbackFetch: boolean;
}

interface GenerationLike {
  generationId: string;
  status: string;
  resultImageUrl?: string | null;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** A tool error an agent can act on: the API's code, message and details (which name the fields). */
function toolError(code: string, message: string, details?: unknown): CallToolResult {
  const text = `${code}: ${message}${details === undefined ? "" : `\ndetails: ${json(details)}`}`;
  return { isError: true, content: [{ type: "text", text }] };
}

function isEnvelope(body: unknown): body is { code: string; message: string; details?: unknown } {
  return typeof body === "object" && body !== null && typeof (body as { code?: unknown }).code === "string";
}

/** The API's answer as a tool result: its JSON, or its error envelope as a tool error. */
function fromAnswer(answer: ApiAnswer): CallToolResult {
  if (answer.status >= 400) {
    return isEnvelope(answer.body)
      ? toolError(answer.body.code, answer.body.message, answer.body.details)
      : toolError("INTERNAL_ERROR", `HTTP ${answer.status}`);
  }
  return { content: [{ type: "text", text: json(answer.body) }] };
}

function isGeneration(body: unknown): body is GenerationLike {
  return typeof body === "object" && body !== null && typeof (body as { generationId?: unknown }).generationId === "string";
}

/** A generation's result: its JSON (with the signed URL) and, once COMPLETED, a bounded thumbnail. */
async function generationResult(deps: McpDeps, answer: ApiAnswer, note?: string): Promise<CallToolResult> {
  const result = fromAnswer(answer);
  if (result.isError || !isGeneration(answer.body)) return result;
  const g = answer.body;
  if (note) result.content.unshift({ type: "text", text: note });
  if (g.status === "COMPLETED" && g.resultImageUrl) {
    const bytes = await deps.api.bytes(g.resultImageUrl);
    const thumb = bytes ? await thumbnailOf(deps.images, bytes) : null;
    if (thumb) result.content.push({ type: "image", data: thumb.data, mimeType: thumb.mimeType });
    result.content.push({ type: "text", text: `Result image (signed URL, full size): ${g.resultImageUrl}` });
  }
  return result;
}

/** `base64` as bytes: a data: URI or bare base64; null when it is neither. */
function decodeBase64Image(text: string): Uint8Array | null {
  const bare = text.startsWith("data:") ? text.slice(text.indexOf(",") + 1) : text;
  try {
    const bytes = base64Decode(bare.replace(/\s+/g, ""));
    return bytes.byteLength > 0 ? bytes : null;
  } catch {
    return null;
  }
}

function tryOnBody(args: CreateTryOnArgs): Record<string, unknown> {
  const source =
    args.person.imageId !== undefined ? { id: args.person.imageId } : args.person.imageUrl !== undefined ? { url: args.person.imageUrl } : undefined;
  const { product, person: _person, waitSeconds: _wait, ...rest } = args;
  return { ...rest, products: [product], person: { image: source ? { source } : {} } };
}

/**
 * A fresh MCP server for one request (stateless): the six tools over the caller's account.
 * Tool descriptions say what an agent needs to chain them: upload → register → try on → read.
 */
export function createMcpServer(deps: McpDeps): McpServer {
  const server = new McpServer(
    { name: "drape", title: "Drape virtual try-on", version },
    {
      instructions:
        "Virtual try-on: upload_person_image, register_product, then create_try_on; read results with get_generation. Each try-on costs one credit (get_credits).",
    },
  );
  const { api } = deps;

  server.registerTool(
    "upload_person_image",
    {
      title: "Upload a person photo",
      description: "Stores a photo of a person (from a URL or base64 bytes) and returns its imageId, reusable by create_try_on. Free.",
      inputSchema: UploadPersonImageInput,
    },
    async (args) => {
      let bytes: Uint8Array;
      if (args.base64 !== undefined && args.url !== undefined)
        return toolError("VALIDATION_FAILED", "Give `url` or `base64`, not both.", [{ path: "url", message: "Give url or base64, not both" }]);
      if (args.base64 !== undefined) {
        const decoded = decodeBase64Image(args.base64);
        if (!decoded) return toolError("VALIDATION_FAILED", "`base64` is not base64 (or a data: URI).", [{ path: "base64", message: "Not base64" }]);
        bytes = decoded;
      } else if (args.url !== undefined) {
        try {
          bytes = (await safeFetchImage(args.url, { purpose: "customer", allowLoopback: deps.allowLoopbackFetch })).bytes;
        } catch (err) {
          if (err instanceof ApiError) return toolError(err.code, err.message, err.details);
          throw err;
        }
      } else return toolError("VALIDATION_FAILED", "Give the photo as `url` or `base64`.", [{ path: "url", message: "Required (or base64)" }]);
      const form = new FormData();
      form.set("file", new File([bytes.slice()], "person"));
      if (args.externalUserId !== undefined) form.set("externalUserId", args.externalUserId);
      if (args.keepForDays !== undefined) form.set("keepForDays", String(args.keepForDays));
      return fromAnswer(await api.call("POST", apiPath("/images/upload"), { form }));
    },
  );

  server.registerTool(
    "register_product",
    {
      title: "Register a product",
      description: "Creates or updates a garment by externalId, with its images as public URLs (`images: [{source: {url}}]`). Free.",
      inputSchema: RegisterProductInput,
    },
    async (args) => fromAnswer(await api.call("POST", apiPath("/products"), { json: args })),
  );

  server.registerTool(
    "create_try_on",
    {
      title: "Try a garment on a person",
      description:
        "Starts a try-on (one credit) and waits up to `waitSeconds` for it. Finished: the generation, a thumbnail and the signed result URL. Not finished: the generationId, for get_generation.",
      inputSchema: CreateTryOnInput.extend({
        idempotencyKey: CreateTryOnInput.shape.externalUserId
          .unwrap()
          .unwrap()
          .optional()
          .describe("Send the same key again to retry this call without a second charge."),
      }),
    },
    async ({ idempotencyKey, ...args }) => {
      const headers: Record<string, string> = idempotencyKey ? { "idempotency-key": idempotencyKey } : {};
      const answer = await api.call("POST", `${apiPath("/try-on/sync")}?wait=${args.waitSeconds}`, { json: tryOnBody(args) }, headers);
      if (answer.status === 202 && isGeneration(answer.body)) {
        const id = answer.body.generationId;
        return {
          content: [
            { type: "text", text: `Still ${answer.body.status} after ${args.waitSeconds} s: call get_generation with generationId ${id}.` },
            { type: "text", text: json(answer.body) },
          ],
        };
      }
      return generationResult(deps, answer);
    },
  );

  server.registerTool(
    "get_generation",
    {
      title: "Read a try-on",
      description: "A generation's status; once COMPLETED, a thumbnail and the signed result URL; once FAILED, its errorCode.",
      inputSchema: GetGenerationInput,
      annotations: { readOnlyHint: true },
    },
    async ({ generationId }) => generationResult(deps, await api.call("GET", apiPath(`/generations/${encodeURIComponent(generationId)}`))),
  );

  server.registerTool(
    "list_generations",
    {
      title: "List try-ons",
      description: "The account's generations, newest first, one page at a time (pass nextCursor back as cursor).",
      inputSchema: ListGenerationsInput,
      annotations: { readOnlyHint: true },
    },
    async (args) => {
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(args)) if (v !== undefined) query.set(k, String(v));
      return fromAnswer(await api.call("GET", `${apiPath("/generations")}?${query}`));
    },
  );

  server.registerTool(
    "get_credits",
    {
      title: "Credit balance",
      description: "The account's credits: {creditBalance, reserved, spent}.",
      inputSchema: GetCreditsInput,
      annotations: { readOnlyHint: true },
    },
    async () => fromAnswer(await api.call("GET", apiPath("/account/credits"))),
  );

  return server;
}
