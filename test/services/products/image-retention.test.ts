import { afterEach, describe, expect, it, vi } from "vitest";
import { backgroundContext } from "../../../src/context/background";
import { now } from "../../../src/lib/clock";
import { deleteProduct, getProduct, resolveProductImage, upsertProduct } from "../../../src/services/products/products";
import { sweepRetention } from "../../../src/services/retention/purge";
import { createAccount, env } from "../../helpers/harness";
import { makePng } from "../../helpers/images";

// Product images fetched from a URL (or re-used by a generation) must follow their product's
// lifetime: once no live product lists them, the retention purge removes row and R2 object.
const DAY = 86400_000;
const URL_A = "https://cdn.example.com/review-a.jpg";

async function imageRow(id: string): Promise<{ expires_at: number | null; r2_key: string } | null> {
  return env.DB.prepare("SELECT expires_at, r2_key FROM images WHERE id = ?").bind(id).first();
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("product image retention", () => {
  it("a URL image fetched for a generation is released when its product is deleted, then purged", async () => {
    const acct = await createAccount();
    const png = await makePng(300, 300);
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response(png, { headers: { "content-type": "image/png" } }));
    let clock = now();
    const ctx = { ...backgroundContext(env), now: () => clock };
    const product = await upsertProduct(ctx, acct.accountId, { externalId: "p", images: [{ url: URL_A }] }, { kind: "registered" });

    const img = await resolveProductImage(ctx, acct.accountId, product.images[0]!, "p");
    expect((await getProduct(ctx, acct.accountId, "p")).images[0]!.imageId).toBe(img.id);

    // While the product lists it, the image is kept.
    clock += 30 * DAY;
    await sweepRetention(env, clock);
    expect(await imageRow(img.id)).not.toBeNull();

    await deleteProduct(ctx, acct.accountId, "p");
    clock += 2 * DAY;
    await sweepRetention(env, clock);
    expect(await imageRow(img.id)).toBeNull();
    expect(await env.BUCKET.head(img.r2Key)).toBeNull();
  });

  it("an image dropped from its product while a generation waited is not pinned again by that generation", async () => {
    const acct = await createAccount();
    let clock = now();
    const ctx = { ...backgroundContext(env), now: () => clock };
    const files = new Map([
      ["a", { filename: "a.png", type: "image/png", bytes: await makePng(300, 300) }],
      ["b", { filename: "b.png", type: "image/png", bytes: await makePng(260, 300) }],
    ]);
    const before = await upsertProduct(ctx, acct.accountId, { externalId: "q", images: [{ fileKey: "a" }] }, { kind: "registered", files });
    const snapshotRef = before.images[0]!; // what a PENDING generation captured
    await upsertProduct(ctx, acct.accountId, { externalId: "q", images: [{ fileKey: "b" }] }, { kind: "registered", files });

    const resolved = await resolveProductImage(ctx, acct.accountId, snapshotRef, "q");
    expect(resolved.id).toBe(snapshotRef.imageId);
    expect((await imageRow(resolved.id))?.expires_at).not.toBeNull();

    clock += 2 * DAY;
    await sweepRetention(env, clock);
    expect(await imageRow(resolved.id)).toBeNull();
    expect(await env.BUCKET.head(resolved.r2Key)).toBeNull();
    // The product's current image is untouched.
    const current = (await getProduct(ctx, acct.accountId, "q")).images[0]!.imageId!;
    expect(await imageRow(current)).not.toBeNull();
  });
});
