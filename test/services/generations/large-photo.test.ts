import { describe, expect, it } from "vitest";
import { GenerationSchema } from "../../../src/schemas/generations";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { decode } from "../../helpers/engine-images";
import { api, readWire } from "../../helpers/harness";
import { fetchThroughWorker, fundedAccount, genRow, registerProduct, runConsumer, tryOn, uploadPerson, usePipelineQueues } from "../../helpers/pipeline";

const queue = usePipelineQueues();

// A person photo above the composite engine's decode cap (a 12 MP phone photo
// in production; here the cap is lowered so the test stays small) is
// downscaled by the Images binding before it is decoded, and completes.
describe("photos above the decode cap", () => {
  it("complete through the Images binding instead of failing", async () => {
    const acct = await fundedAccount(3);
    const imageId = await uploadPerson(acct); // 480×600 (0.29 MP), cropped 4:5
    await registerProduct(acct, "big-photo-shirt");
    const res = await tryOn(acct, { products: [{ externalId: "big-photo-shirt" }], person: { image: { source: { id: imageId } } } });
    expect(res.status).toBe(202);
    const { generationId } = await readWire(res, TryOnAcceptedSchema);

    await runConsumer([{ body: queue.messages.at(-1) }], "drape-generations", { COMPOSITE_MAX_INPUT_PIXELS: "250000" });
    const row = await genRow(generationId);
    expect(row).toMatchObject({ status: "COMPLETED", credit_state: "committed" });

    const view = await readWire(await api(acct, `/generations/${generationId}`), GenerationSchema);
    const img = await fetchThroughWorker(view.resultImageUrl!);
    expect(img.status).toBe(200);
    const size = await decode(new Uint8Array(await img.arrayBuffer()));
    expect(size.width * size.height).toBeLessThanOrEqual(250_000);
  });
});
