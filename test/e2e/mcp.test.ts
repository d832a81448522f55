import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

// The remote MCP server, proven with the official MCP TypeScript client (Client +
// StreamableHTTPClientTransport) against a live Drape started as `npm start` starts it.
const base = inject("baseUrl");
const apiKey = inject("demoApiKey");
const assets = join(import.meta.dirname, "..", "..", "scripts", "assets");
const RUN = Date.now().toString(36);
const TOOLS = ["create_try_on", "get_credits", "get_generation", "list_generations", "register_product", "upload_person_image"];

let garmentServer: Server;
let garmentUrl: string;
let client: Client;

async function connect(key: string): Promise<Client> {
  const c = new Client({ name: "drape-e2e", version: "1.0.0" });
  await c.connect(new StreamableHTTPClientTransport(new URL("/mcp", base), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  return c;
}

function texts(result: CallToolResult): string {
  return result.content.flatMap((c) => (c.type === "text" ? [c.text] : [])).join("\n");
}

/** The JSON a tool returned (its last JSON text block). */
function jsonOf<T>(result: CallToolResult): T {
  const blocks = result.content.flatMap((c) => (c.type === "text" && c.text.trim().startsWith("{") ? [c.text] : []));
  return JSON.parse(blocks.at(-1) ?? "null") as T;
}

async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

beforeAll(async () => {
  const garment = readFileSync(join(assets, "garment.png"));
  garmentServer = createServer((_req, res) => res.writeHead(200, { "content-type": "image/png" }).end(garment));
  await new Promise<void>((r) => garmentServer.listen(0, "127.0.0.1", r));
  garmentUrl = `http://127.0.0.1:${(garmentServer.address() as AddressInfo).port}/garment.png`;
  client = await connect(apiKey);
});

afterAll(async () => {
  await client?.close();
  await new Promise<void>((r) => garmentServer.close(() => r()));
});

describe("MCP at /mcp with the official client", () => {
  it("lists the six tools, each with a description and a JSON schema from the API's zod schemas", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    for (const t of tools) {
      expect(t.description?.length).toBeGreaterThan(20);
      expect(t.inputSchema.type).toBe("object");
    }
    const tryOn = tools.find((t) => t.name === "create_try_on");
    const props = tryOn?.inputSchema.properties as Record<string, { description?: string; properties?: Record<string, unknown>; maximum?: number }>;
    expect(Object.keys(props)).toEqual(expect.arrayContaining(["product", "person", "waitSeconds", "externalUserId", "category"]));
    expect(props.waitSeconds?.maximum).toBe(50);
    // The product is ProductInputSchema's: its fields and descriptions, without the deprecated alias.
    expect(Object.keys(props.product?.properties ?? {})).toEqual(expect.arrayContaining(["externalId", "title", "images"]));
    expect(Object.keys(props.product?.properties ?? {})).not.toContain("imageUrls");
  });

  it("uploads a photo (base64), registers a product (URL), runs a try-on and reads its result with a thumbnail and the signed URL", async () => {
    const before = jsonOf<{ creditBalance: number; spent: number }>(await call("get_credits", {}));
    const photo = readFileSync(join(assets, "person.jpg")).toString("base64");
    const upload = await call("upload_person_image", { base64: `data:image/jpeg;base64,${photo}`, externalUserId: `mcp-${RUN}` });
    expect(upload.isError).toBeFalsy();
    const { imageId } = jsonOf<{ imageId: string }>(upload);
    expect(imageId).toMatch(/^img_/);

    const product = await call("register_product", { externalId: `mcp-shirt-${RUN}`, title: "MCP shirt", images: [{ source: { url: garmentUrl } }] });
    expect(product.isError).toBeFalsy();
    expect(jsonOf<{ externalId: string }>(product).externalId).toBe(`mcp-shirt-${RUN}`);

    const tryOn = await call("create_try_on", { product: { externalId: `mcp-shirt-${RUN}` }, person: { imageId }, waitSeconds: 40 });
    expect(tryOn.isError).toBeFalsy();
    const generation = jsonOf<{ generationId: string; status: string; resultImageUrl: string }>(tryOn);
    expect(generation.status).toBe("COMPLETED");
    const image = tryOn.content.find((c) => c.type === "image");
    expect(image).toMatchObject({ type: "image", mimeType: "image/jpeg" });
    const thumb = Buffer.from(image?.type === "image" ? image.data : "", "base64");
    expect(thumb.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(thumb.byteLength).toBeLessThanOrEqual(96 * 1024);
    expect(texts(tryOn)).toContain(generation.resultImageUrl);
    expect((await fetch(generation.resultImageUrl)).status).toBe(200);

    const read = await call("get_generation", { generationId: generation.generationId });
    expect(jsonOf<{ status: string }>(read).status).toBe("COMPLETED");
    expect(read.content.some((c) => c.type === "image")).toBe(true);

    const list = jsonOf<{ items: Array<{ generationId: string }> }>(await call("list_generations", { productExternalId: `mcp-shirt-${RUN}` }));
    expect(list.items.map((g) => g.generationId)).toContain(generation.generationId);
    const after = jsonOf<{ spent: number }>(await call("get_credits", {}));
    expect(after.spent - before.spent).toBe(1);
  });

  it("a try-on not done within waitSeconds comes back as its generation id, and get_generation finishes the story", async () => {
    const photo = readFileSync(join(assets, "person.jpg")).toString("base64");
    const { imageId } = jsonOf<{ imageId: string }>(await call("upload_person_image", { base64: photo }));
    const started = await call("create_try_on", {
      product: { externalId: `mcp-inline-${RUN}`, images: [{ source: { url: garmentUrl } }] },
      person: { imageId },
      waitSeconds: 0,
    });
    expect(started.isError).toBeFalsy();
    const { generationId } = jsonOf<{ generationId: string }>(started);
    expect(generationId).toMatch(/^gen_/);
    let status = "";
    for (let i = 0; i < 60 && status !== "COMPLETED"; i++) {
      status = jsonOf<{ status: string }>(await call("get_generation", { generationId })).status;
      if (status !== "COMPLETED") await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toBe("COMPLETED");
  });

  it("bad arguments are a tool error naming the field; an API refusal is a tool error with its code", async () => {
    const tooLong = await call("create_try_on", { product: { externalId: "x" }, person: { imageId: "img_x" }, waitSeconds: 500 });
    expect(tooLong.isError).toBe(true);
    expect(texts(tooLong)).toContain("waitSeconds");
    const badUrl = await call("register_product", { externalId: `mcp-bad-${RUN}`, images: [{ source: { url: "not a url" } }] });
    expect(badUrl.isError).toBe(true);
    expect(texts(badUrl)).toMatch(/images/);
    const notBase64 = await call("upload_person_image", { base64: "%%%" });
    expect(notBase64.isError).toBe(true);
    expect(texts(notBase64)).toContain("base64");
    const missing = await call("get_generation", { generationId: "gen_doesnotexist000000000000" });
    expect(missing.isError).toBe(true);
    expect(texts(missing)).toMatch(/^GENERATION_NOT_FOUND: /);
  });

  it("a bad key is refused at the HTTP layer: 401 with a Bearer challenge, and the client fails to connect", async () => {
    await expect(connect("dr_live_00000000000000000000000000000000")).rejects.toThrow(/401|nauthorized/);
    const res = await fetch(new URL("/mcp", base), {
      method: "POST",
      headers: { authorization: "Bearer nope", "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
    expect(await res.json()).toMatchObject({ code: "INVALID_API_KEY", status: 401 });
    const none = await fetch(new URL("/mcp", base), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: "MISSING_API_KEY" });
  });
});
