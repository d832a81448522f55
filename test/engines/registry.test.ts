import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type AppConfig, getConfig } from "../../src/config/config";
import { createEngine, isMockTitle, selectEngineName, selectEngineNames } from "../../src/engines/registry";
import { engineInput } from "../helpers/engine-images";

const cfg = (over: Partial<AppConfig> = {}): AppConfig => ({ ...getConfig(env), ...over });

describe("engine selection is configuration", () => {
  it("defaults to ENGINE_DEFAULT (composite out of the box)", () => {
    expect(getConfig(env).ENGINE_DEFAULT).toBe("composite");
    expect(selectEngineName({ config: cfg(), accountEngine: null, category: "tops", productTitle: "Linen shirt" })).toBe("composite");
    expect(selectEngineName({ config: cfg({ ENGINE_DEFAULT: "fashn" }), accountEngine: null, category: "tops", productTitle: null })).toBe("fashn");
  });

  it("the category map beats the default", () => {
    const config = cfg({ ENGINE_BY_CATEGORY: { bottoms: "fashn", "one-pieces": "mock" } });
    expect(selectEngineName({ config, accountEngine: null, category: "bottoms", productTitle: "Jeans" })).toBe("fashn");
    expect(selectEngineName({ config, accountEngine: null, category: "one-pieces", productTitle: "Dress" })).toBe("mock");
    expect(selectEngineName({ config, accountEngine: null, category: "tops", productTitle: "Tee" })).toBe("composite");
    // Inherited object keys are not categories.
    expect(selectEngineName({ config, accountEngine: null, category: "constructor", productTitle: "Tee" })).toBe("composite");
  });

  it("the account override beats the category map; an unknown override is ignored", () => {
    const config = cfg({ ENGINE_BY_CATEGORY: { bottoms: "fashn" } });
    expect(selectEngineName({ config, accountEngine: "composite", category: "bottoms", productTitle: "Jeans" })).toBe("composite");
    expect(selectEngineName({ config, accountEngine: "fashn", category: "tops", productTitle: "Tee" })).toBe("fashn");
    expect(selectEngineName({ config, accountEngine: "dall-e", category: "bottoms", productTitle: "Jeans" })).toBe("fashn");
  });

  it("a product titled `mock` (any case) or `mock:…` beats everything", () => {
    const config = cfg({ ENGINE_DEFAULT: "fashn", ENGINE_BY_CATEGORY: { tops: "fashn" } });
    for (const title of ["mock", "MOCK", " Mock ", "mock:NSFW_CONTENT_BLOCKED", "Mock:retry"]) {
      expect(selectEngineName({ config, accountEngine: "fashn", category: "tops", productTitle: title })).toBe("mock");
    }
    for (const title of ["mockingbird tee", "not mock", null, ""]) {
      expect(isMockTitle(title)).toBe(false);
    }
  });

  it("ordered lists: test mode and mock titles → [mock]; account-by-category, then account, then ENGINE_BY_CATEGORY, then ENGINE_DEFAULT", () => {
    const config = cfg({ ENGINE_BY_CATEGORY: { bottoms: "fashn" } });
    const base = { config, accountEngine: null, productTitle: "Tee" };
    const lists = { accountEngines: ["fashn", "composite"], accountEnginesByCategory: { tops: ["composite", "fashn"] } };
    expect(selectEngineNames({ ...base, ...lists, category: "tops", livemode: false })).toEqual(["mock"]);
    expect(selectEngineNames({ ...base, ...lists, category: "tops", productTitle: "mock:retry" })).toEqual(["mock"]);
    expect(selectEngineNames({ ...base, ...lists, category: "tops" })).toEqual(["composite", "fashn"]);
    expect(selectEngineNames({ ...base, ...lists, category: "bottoms" })).toEqual(["fashn", "composite"]);
    expect(selectEngineNames({ ...base, category: "bottoms" })).toEqual(["fashn"]);
    expect(selectEngineNames({ ...base, category: "tops" })).toEqual(["composite"]);
    // The single override is a one-item list; stored names this deployment does not know are dropped, repeats too.
    expect(selectEngineNames({ ...base, accountEngine: "fashn", category: "tops" })).toEqual(["fashn"]);
    expect(selectEngineNames({ ...base, accountEngines: ["dall-e", "fashn", "fashn", "mock"], category: "tops" })).toEqual(["fashn", "mock"]);
    expect(selectEngineNames({ ...base, accountEngines: ["dall-e"], category: "bottoms" })).toEqual(["fashn"]);
  });

  it("createEngine builds each engine by name", () => {
    for (const name of ["mock", "composite", "fashn", "workers-ai"] as const) {
      expect(createEngine(name, { config: cfg() }).name).toBe(name);
    }
  });

  it("fashn without an API key fails ENGINE_UNAVAILABLE instead of calling out", async () => {
    let called = false;
    const engine = createEngine("fashn", {
      config: cfg({ FASHN_API_KEY: "" }),
      fetch: async () => {
        called = true;
        return new Response("{}");
      },
    });
    const r = await engine.run(
      engineInput({
        generationId: "gen_x",
        person: { bytes: new Uint8Array([1]), format: "jpeg", width: 1, height: 1, orientation: null, crop: null, url: "https://x/p.jpg" },
        productImages: [{ bytes: new Uint8Array([1]), format: "jpeg", width: 1, height: 1, orientation: null, classifications: null, url: "https://x/g.jpg" }],
      }),
    );
    expect(r).toMatchObject({ kind: "failed", code: "ENGINE_UNAVAILABLE" });
    expect(called).toBe(false);
  });
});
