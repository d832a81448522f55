import { describe, expect, it, vi } from "vitest";
import { COMPOSITE_DEFAULT_MAX_INPUT_PIXELS } from "../../../src/config/config";
import { decodeStats } from "../../../src/engines/composite/codecs";
import { ImageSchema } from "../../../src/schemas/images";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { jpegFillByteBeforeSof } from "../../helpers/crafted-images";
import { api, readWire, type TestAccount } from "../../helpers/harness";
import { env, filePart, fundedAccount, genRow, registerProduct, runConsumer, tryOn, uploadPerson, usePipelineQueues } from "../../helpers/pipeline";
import { expectLedgerBalances } from "../credits/helpers";

const queue = usePipelineQueues();

async function uploadBytes(acct: TestAccount, bytes: Uint8Array): Promise<{ imageId: string; width: number; height: number }> {
  const form = new FormData();
  form.set("file", filePart(bytes, "me.jpg", "image/jpeg"));
  const res = await api(acct, "/images/upload", { method: "POST", body: form });
  expect(res.status, await res.clone().text()).toBe(201);
  return await readWire(res, ImageSchema);
}

async function accept(acct: TestAccount, imageId: string, product: string): Promise<string> {
  await registerProduct(acct, product);
  const res = await tryOn(acct, { products: [{ externalId: product }], person: { image: { source: { id: imageId } } } });
  expect(res.status, await res.clone().text()).toBe(202);
  return (await readWire(res, TryOnAcceptedSchema)).generationId;
}

const messageFor = (generationId: string) => ({ body: queue.messages.find((m) => m.generationId === generationId) });

describe("a crafted image in a queue batch", () => {
  it("fails its own generation cleanly (refunded, one terminal transition) and leaves another account's generation alone", async () => {
    const attacker = await fundedAccount(3);
    const victim = await fundedAccount(3);
    const crafted = await uploadBytes(attacker, await jpegFillByteBeforeSof());
    // Intake records the size every decoder will use, not the decoy after EOI.
    expect(crafted).toMatchObject({ width: 7680, height: 7680 });
    const bad = await accept(attacker, crafted.imageId, "crafted-tee");
    const good = await accept(victim, await uploadPerson(victim), "honest-tee");
    const attackerBefore = await expectLedgerBalances(attacker.accountId);
    expect(attackerBefore.reserved).toBe(1);

    // The Images binding (outside the isolate) cannot make a usable copy of it either.
    const images = vi.spyOn(env.IMAGES, "input");
    const started = decodeStats.started;
    decodeStats.largestStartedPixels = 0;
    const run = await runConsumer([messageFor(bad), messageFor(good)]);

    expect(run.retryMessages).toEqual([]);
    expect(run.explicitAcks).toHaveLength(2);
    expect(await genRow(good)).toMatchObject({ status: "COMPLETED", credit_state: "committed" });
    const failed = await genRow(bad);
    expect(failed).toMatchObject({ status: "FAILED", error_code: "IMAGE_PROCESSING_FAILED", credit_state: "refunded" });
    expect(failed.event_emitted_at).not.toBeNull();
    expect(await expectLedgerBalances(attacker.accountId)).toEqual({ balance: 3, reserved: 0, spent: 0 });
    expect(await expectLedgerBalances(victim.accountId)).toMatchObject({ balance: 2, reserved: 0, spent: 1 });

    // Decodes ran (the victim's photo, both garments, any copy), none above the cap.
    expect(decodeStats.started).toBeGreaterThan(started);
    expect(decodeStats.largestStartedPixels).toBeLessThanOrEqual(COMPOSITE_DEFAULT_MAX_INPUT_PIXELS);
    expect(images).toHaveBeenCalledTimes(1);

    // A redelivery of the same message is a no-op: the FAILED row is terminal.
    const again = await runConsumer([{ ...messageFor(bad), attempts: 2 }]);
    expect(again.explicitAcks).toHaveLength(1);
    expect(await genRow(bad)).toMatchObject({ status: "FAILED", updated_at: failed.updated_at });
  });
});
