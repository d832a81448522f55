import { describe, expect, it } from "vitest";
import { backgroundContext } from "../../../src/context/background";
import { SWEEP_STEPS } from "../../../src/cron/sweep";
import { now } from "../../../src/lib/clock";
import { inspectImage } from "../../../src/lib/image-intake";
import { storeImage } from "../../../src/services/images/images";
import { upsertProduct } from "../../../src/services/products/products";
import { sweepRetention } from "../../../src/services/retention/purge";
import { createAccount, env } from "../../helpers/harness";
import { makePng } from "../../helpers/images";

const DAY = 86400_000;

async function ids(table: "images" | "products", accountId: string): Promise<string[]> {
  const col = table === "images" ? "id" : "external_id";
  const rows = await env.DB.prepare(`SELECT ${col} AS id FROM ${table} WHERE account_id = ? ORDER BY ${col}`).bind(accountId).all<{ id: string }>();
  return rows.results.map((r) => r.id);
}

async function objectExists(key: string): Promise<boolean> {
  return (await env.BUCKET.head(key)) !== null;
}

describe("retention purge", () => {
  it("is a sweep step", () => {
    expect(SWEEP_STEPS.retention).toBe(sweepRetention);
  });

  it("removes exactly the expired images (rows + R2 objects) and expired products, idempotently", async () => {
    const acct = await createAccount();
    const t0 = now();
    let clock = t0;
    const ctx = { ...backgroundContext(env), now: () => clock };
    const bytes = await makePng(300, 300);
    const info = inspectImage(bytes);
    const person1d = await storeImage(ctx, { accountId: acct.accountId, bytes, info, role: "person", keepForDays: 1 });
    const person7d = await storeImage(ctx, { accountId: acct.accountId, bytes, info, role: "person", keepForDays: 7 });
    const result3d = await storeImage(ctx, { accountId: acct.accountId, bytes, info, role: "result", keepForDays: 3 });

    // A registered product kept forever, a one-shot (7 d) with an uploaded image, an inline one (15 d).
    const files = new Map([["a", { filename: "a.png", type: "image/png", bytes }]]);
    const forever = await upsertProduct(ctx, acct.accountId, { externalId: "forever", images: [{ fileKey: "a" }] }, { kind: "registered", files });
    const oneshot = await upsertProduct(ctx, acct.accountId, { images: [{ fileKey: "a" }] }, { kind: "oneshot", files });
    await upsertProduct(ctx, acct.accountId, { externalId: "inline", images: [{ url: "https://cdn.example.com/a.jpg" }] }, { kind: "inline" });
    const foreverImg = forever.images[0]!.imageId!;
    const oneshotImg = oneshot.images[0]!.imageId!;

    // Day 4: the 1-day and 3-day images are gone, nothing else.
    clock = t0 + 4 * DAY;
    expect(await sweepRetention(env, clock)).toEqual({ productsDeleted: 0, imagesDeleted: 2 });
    expect(await objectExists(person1d.r2Key)).toBe(false);
    expect(await objectExists(result3d.r2Key)).toBe(false);
    expect(await objectExists(person7d.r2Key)).toBe(true);
    expect(await ids("images", acct.accountId)).toEqual([person7d.id, foreverImg, oneshotImg].sort());

    // Day 8: the 7-day image and the one-shot product go; its image is released (grace), not yet deleted.
    clock = t0 + 8 * DAY;
    expect(await sweepRetention(env, clock)).toEqual({ productsDeleted: 1, imagesDeleted: 1 });
    expect(await ids("products", acct.accountId)).toEqual(["forever", "inline"]);
    expect(await ids("images", acct.accountId)).toEqual([foreverImg, oneshotImg].sort());

    // Day 10: the released image goes (row and object); the product image still referenced stays.
    clock = t0 + 10 * DAY;
    const oneshotKey = (await env.DB.prepare("SELECT r2_key FROM images WHERE id = ?").bind(oneshotImg).first<{ r2_key: string }>())!.r2_key;
    expect(await sweepRetention(env, clock)).toEqual({ productsDeleted: 0, imagesDeleted: 1 });
    expect(await objectExists(oneshotKey)).toBe(false);
    expect(await ids("images", acct.accountId)).toEqual([foreverImg]);

    // Day 16: the inline product expires; running twice is harmless.
    clock = t0 + 16 * DAY;
    expect(await sweepRetention(env, clock)).toEqual({ productsDeleted: 1, imagesDeleted: 0 });
    expect(await sweepRetention(env, clock)).toEqual({ productsDeleted: 0, imagesDeleted: 0 });
    expect(await ids("products", acct.accountId)).toEqual(["forever"]);
    const foreverKey = (await env.DB.prepare("SELECT r2_key FROM images WHERE id = ?").bind(foreverImg).first<{ r2_key: string }>())!.r2_key;
    expect(await objectExists(foreverKey)).toBe(true);
  });

  it("purges more than one batch (120 rows > batch of 100) in bounded statements", async () => {
    const acct = await createAccount();
    const t0 = now();
    const ctx = { ...backgroundContext(env), now: () => t0 };
    const bytes = await makePng(240, 240);
    const info = inspectImage(bytes);
    const stored = [];
    for (let i = 0; i < 120; i++) stored.push(await storeImage(ctx, { accountId: acct.accountId, bytes, info, role: "person", keepForDays: 1 }));
    const first = await sweepRetention(env, t0 + 2 * DAY);
    expect(first.imagesDeleted).toBe(120);
    expect(await ids("images", acct.accountId)).toEqual([]);
    for (const s of stored.slice(0, 5)) expect(await objectExists(s.r2Key)).toBe(false);
  });
});
