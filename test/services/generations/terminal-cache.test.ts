import { afterEach, describe, expect, it, vi } from "vitest";
import { GenerationSchema } from "../../../src/schemas/generations";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { loadGenerationView, TERMINAL_CACHE_TTL_MS } from "../../../src/services/generations";
import { api, readWire } from "../../helpers/harness";
import { env, fundedAccount, registerProduct, runConsumer, tryOn, uploadPerson, usePipelineQueues } from "../../helpers/pipeline";
import { testContext } from "../../helpers/service-context";

const queue = usePipelineQueues();

async function completedGeneration(externalUserId: string) {
  const acct = await fundedAccount(5);
  const imageId = await uploadPerson(acct);
  await registerProduct(acct, "cache-1");
  const res = await tryOn(acct, { products: [{ externalId: "cache-1" }], person: { image: { source: { id: imageId } } }, externalUserId });
  const { generationId } = await readWire(res, TryOnAcceptedSchema);
  await runConsumer([{ body: queue.messages.at(-1) }]);
  return { acct, generationId };
}

/** What another isolate's erase leaves in D1, written behind this isolate's back. */
async function eraseBehindTheCache(generationId: string): Promise<void> {
  await env.DB.prepare("UPDATE generations SET external_user_id = NULL, result_r2_key = NULL, result_image_id = NULL, result_expires_at = NULL WHERE id = ?")
    .bind(generationId)
    .run();
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("terminal generations cached per isolate (GET /generations/{id})", () => {
  it("a change made elsewhere is seen within the documented bound (TERMINAL_CACHE_TTL_MS)", async () => {
    const { acct, generationId } = await completedGeneration("u-cache");
    const first = await readWire(await api(acct, `/generations/${generationId}`), GenerationSchema);
    expect(first).toMatchObject({ status: "COMPLETED", externalUserId: "u-cache" });
    expect(first.resultImageUrl).toBeDefined();

    await eraseBehindTheCache(generationId);
    // Within the bound, this isolate may still answer what it read (that is the trade, and its size).
    const within = await readWire(await api(acct, `/generations/${generationId}`), GenerationSchema);
    expect(within.externalUserId).toBe("u-cache");

    const t0 = Date.now();
    vi.spyOn(Date, "now").mockImplementation(() => t0 + TERMINAL_CACHE_TTL_MS + 1);
    const after = await readWire(await api(acct, `/generations/${generationId}`), GenerationSchema);
    expect(after).toMatchObject({ generationId, status: "COMPLETED" });
    expect(after).not.toHaveProperty("externalUserId");
    expect(after).not.toHaveProperty("resultImageUrl");
  });

  it("the result URL is signed afresh on every cached read (its expiry moves with the clock)", async () => {
    const { acct, generationId } = await completedGeneration("u-sign");
    const a = await readWire(await api(acct, `/generations/${generationId}`), GenerationSchema);
    const t0 = Date.now();
    vi.spyOn(Date, "now").mockImplementation(() => t0 + 5_000);
    const b = await readWire(await api(acct, `/generations/${generationId}`), GenerationSchema);
    const exp = (u: string | undefined) => Number(new URL(u ?? "http://x/").searchParams.get("exp"));
    expect(exp(b.resultImageUrl)).toBeGreaterThan(exp(a.resultImageUrl));
  });

  it("another account never reads a cached generation: FORBIDDEN, as without the cache", async () => {
    const { acct, generationId } = await completedGeneration("u-own");
    expect((await api(acct, `/generations/${generationId}`)).status).toBe(200);
    const other = await fundedAccount(1);
    const res = await api(other, `/generations/${generationId}`);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe("FORBIDDEN");
  });

  it("webhook payloads never come from the cache: a re-render after an erase elsewhere is the erased view", async () => {
    const { acct, generationId } = await completedGeneration("u-hook");
    expect((await readWire(await api(acct, `/generations/${generationId}`), GenerationSchema)).externalUserId).toBe("u-hook");
    await eraseBehindTheCache(generationId);
    const { ctx } = testContext();
    const payload = await loadGenerationView(ctx, acct.accountId, generationId);
    expect(payload).not.toHaveProperty("externalUserId");
    expect(payload).not.toHaveProperty("resultImageUrl");
  });
});
