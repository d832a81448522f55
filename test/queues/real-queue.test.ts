import { describe, expect, it } from "vitest";
import { GenerationSchema } from "../../src/schemas/generations";
import { TryOnAcceptedSchema } from "../../src/schemas/tryon-generations";
import { api, readWire } from "../helpers/harness";
import { fetchThroughWorker, fundedAccount, personJpeg, registerProduct, tryOn, uploadPerson } from "../helpers/pipeline";

/**
 * No capture here: the message goes to the real local `drape-generations`
 * queue and the Worker's own consumer (wrangler.toml) processes it.
 */
describe("the real local queue consumer", () => {
  it("processes a try-on to COMPLETED without the test touching the queue", async () => {
    const acct = await fundedAccount(3);
    const imageId = await uploadPerson(acct);
    await registerProduct(acct, "real-mock", "mock");
    const res = await tryOn(acct, { products: [{ externalId: "real-mock" }], person: { image: { source: { id: imageId } } } });
    expect(res.status).toBe(202);
    const { generationId } = await readWire(res, TryOnAcceptedSchema);
    let view: Record<string, unknown> = {};
    // Poll as a client would; give up after ~20 s.
    for (let i = 0; i < 80; i++) {
      view = await readWire(await api(acct, `/generations/${generationId}`), GenerationSchema);
      if (view.status === "COMPLETED" || view.status === "FAILED") break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(view.status).toBe("COMPLETED");
    const file = await fetchThroughWorker(view.resultImageUrl as string);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(await personJpeg());
  });
});
