import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { requireApiKey } from "../http/auth";
import { parseOrThrow } from "../http/validation";
import { API_KEY_SECURITY, defineRoute } from "../schemas/errors";
import { ApiCaller } from "./api-call";
import { createMcpServer } from "./server";

/** Where agents connect (Streamable HTTP). */
export const MCP_PATH = "/mcp";

const JsonRpcMessage = z
  .looseObject({ jsonrpc: z.literal("2.0"), method: z.string().optional(), id: z.union([z.string(), z.number()]).optional(), params: z.unknown().optional() })
  .openapi("JsonRpcMessage", { description: "A JSON-RPC 2.0 message of the Model Context Protocol (or a batch of them)." });

/** Documented in the OpenAPI document for discovery and its auth errors; its contract is MCP's. */
const mcpRoute = defineRoute({
  method: "post",
  path: MCP_PATH,
  operationId: "callMcpServer",
  tags: ["MCP"],
  security: API_KEY_SECURITY,
  summary: "The MCP server for agents (Model Context Protocol, Streamable HTTP, stateless)",
  description:
    "Tools: upload_person_image, register_product, create_try_on, get_generation, list_generations, get_credits. Send the API key as a bearer token. Once past authentication, answers are JSON-RPC (errors included), as MCP clients expect; docs/mcp.md.",
  request: { body: { required: true, content: { "application/json": { schema: JsonRpcMessage } } } },
  responses: {
    200: { description: "The JSON-RPC response", content: { "application/json": { schema: JsonRpcMessage } } },
    202: { description: "A notification or response was accepted (no body)" },
  },
  errors: ["VALIDATION_FAILED", "UNSUPPORTED_MEDIA_TYPE"],
});

const JsonRpcBody = z.union([JsonRpcMessage, z.array(JsonRpcMessage).min(1)]);

/**
 * The request as the transport wants it, or the API's envelope for what no MCP client sends: a
 * body that is not JSON (415), not valid JSON or not JSON-RPC (400 VALIDATION_FAILED). Answers are
 * always JSON here, so a client that accepts JSON alone is served as if it also took event streams.
 */
async function checkedRequest(raw: Request): Promise<Request> {
  const type = raw.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "Send MCP messages as application/json.");
  const text = await raw.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError("VALIDATION_FAILED", "The body is not valid JSON.", { details: [{ path: "", message: "Malformed JSON" }] });
  }
  parseOrThrow(JsonRpcBody, body);
  const headers = new Headers(raw.headers);
  headers.set("accept", "application/json, text/event-stream");
  return new Request(raw.url, { method: "POST", headers, body: text });
}

/** A refused key says how to authenticate, as RFC 6750 asks of a bearer-protected resource. */
const bearerChallenge: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.res.status === 401) c.res.headers.set("www-authenticate", 'Bearer realm="drape", error="invalid_token"');
};

/**
 * The remote MCP server (docs/mcp.md): stateless Streamable HTTP at /mcp, authenticated by the
 * API key as a bearer token. Each request gets its own server and transport; tools reach the API
 * through the app's own routes (`dispatch`), with the caller's Authorization header.
 */
export function mountMcp(app: OpenAPIHono<AppEnv>): void {
  // POST only: a stateless server has no stream to offer on GET and no session to DELETE, so those
  // answer 405 (the Streamable HTTP transport allows it).
  app.openAPIRegistry.registerPath(mcpRoute);
  app.post(MCP_PATH, bearerChallenge, requireApiKey, async (c) => {
    const credentials: Record<string, string> = {};
    for (const name of ["authorization", "x-api-key"]) {
      const value = c.req.header(name);
      if (value !== undefined) credentials[name] = value;
    }
    const api = new ApiCaller((req) => Promise.resolve(app.fetch(req, c.env, c.executionCtx)), new URL(c.req.url).origin, credentials);
    const request = await checkedRequest(c.req.raw);
    const server = createMcpServer({ api, images: c.env.IMAGES, allowLoopbackFetch: c.get("config").ALLOW_LOOPBACK_FETCH });
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request);
    } finally {
      await server.close();
    }
  });
}
