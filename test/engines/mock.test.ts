import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../src/config/config";
import { createEngine } from "../../src/engines/registry";
import type { EngineInput } from "../../src/engines/types";
import { ERROR_CATALOG } from "../../src/errors";
import { engineImage, engineInput, heicLike, jpeg, makeRgba, personPattern, webp } from "../helpers/engine-images";

const engine = createEngine("mock", { config: getConfig(env) });

async function inputWith(title: string | null, over: Partial<EngineInput> = {}): Promise<EngineInput> {
  const bytes = await jpeg(makeRgba(300, 400, personPattern(300, 400)));
  return engineInput({
    person: { ...engineImage(bytes, "jpeg", 300, 400), crop: null },
    productImages: [{ ...engineImage(new Uint8Array([1, 2, 3]), "png", 1, 1), classifications: null }],
    productTitle: title,
    ...over,
  });
}

const RUNTIME_CODES = Object.entries(ERROR_CATALOG)
  .filter(([, e]) => e.kind === "runtime" || e.kind === "both")
  .map(([code]) => code);

describe("mock engine", () => {
  it("title `mock` returns the person bytes unchanged (same format and size)", async () => {
    for (const title of ["mock", "MOCK", " Mock "]) {
      const input = await inputWith(title);
      const r = await engine.run(input);
      expect(r).toMatchObject({ kind: "completed", contentType: "image/jpeg", format: "jpeg", width: 300, height: 400 });
      if (r.kind === "completed") expect(r.bytes).toEqual(input.person.bytes);
    }
  });

  it("returns WebP and HEIC persons unchanged too, with their own content type", async () => {
    const w = await webp(makeRgba(64, 64, personPattern(64, 64)));
    const heic = heicLike();
    for (const [bytes, format] of [
      [w, "webp"],
      [heic, "heic"],
    ] as const) {
      const input = await inputWith("mock");
      input.person = { ...engineImage(bytes, format, 64, 64), crop: null };
      const r = await engine.run(input);
      expect(r).toMatchObject({ kind: "completed", contentType: `image/${format}`, format });
      if (r.kind === "completed") expect(r.bytes).toEqual(bytes);
    }
  });

  it("`mock:<CODE>` forces every runtime code", async () => {
    expect(RUNTIME_CODES.length).toBeGreaterThanOrEqual(11);
    for (const code of RUNTIME_CODES) {
      const r = await engine.run(await inputWith(`mock:${code.toLowerCase()}`));
      expect(r).toMatchObject({ kind: "failed", code });
    }
  });

  it("`mock:retry` is transient; `mock:pending` is pending then completes when polled; `mock:pending-forever` never ends", async () => {
    expect(await engine.run(await inputWith("mock:retry"))).toMatchObject({ kind: "retry", retryAfterSeconds: 5 });

    const first = await engine.run(await inputWith("mock:pending"));
    expect(first).toMatchObject({ kind: "pending", jobId: "mock_gen_test", pollAfterSeconds: 1 });
    const polled = await engine.run(await inputWith("mock:pending", { jobId: "mock_gen_test", pollCount: 1 }));
    expect(polled).toMatchObject({ kind: "completed", format: "jpeg" });

    const forever = await engine.run(await inputWith("mock:pending-forever", { jobId: "mock_gen_test", pollCount: 7 }));
    expect(forever).toMatchObject({ kind: "pending", jobId: "mock_gen_test" });
  });

  it("an unknown directive behaves like plain `mock`", async () => {
    const input = await inputWith("mock:whatever");
    expect(await engine.run(input)).toMatchObject({ kind: "completed", format: "jpeg" });
  });
});
