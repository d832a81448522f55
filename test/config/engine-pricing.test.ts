import { describe, expect, it } from "vitest";
import { DEFAULT_ENGINE_PRICING, resolveEnginePricing, WORKERS_AI_MODEL_IDS } from "../../src/config";
import { parseConfig } from "../../src/config/config";

const configOf = (vars: Record<string, string>) => parseConfig(vars as unknown as Env);

describe("ENGINE_PRICING", () => {
  it("every built-in price names its source and when it was read", () => {
    for (const id of WORKERS_AI_MODEL_IDS) {
      expect(DEFAULT_ENGINE_PRICING.workersAi[id].source).not.toBe("");
      expect(DEFAULT_ENGINE_PRICING.workersAi[id].readAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    expect(DEFAULT_ENGINE_PRICING.fashn.source).toContain("fashn.ai");
  });

  it("absent → the built-in table; an override replaces only the fields it names", () => {
    const none = configOf({});
    if (!none.ok) throw new Error("default config invalid");
    expect(resolveEnginePricing(none.config.ENGINE_PRICING)).toEqual(DEFAULT_ENGINE_PRICING);

    const some = configOf({ ENGINE_PRICING: '{"workersAi":{"@cf/black-forest-labs/flux-2-dev":{"outputTileUsd":0.001}},"fashn":{"usdPerCredit":0.05}}' });
    if (!some.ok) throw new Error("override refused");
    const p = resolveEnginePricing(some.config.ENGINE_PRICING);
    expect(p.workersAi["@cf/black-forest-labs/flux-2-dev"]).toEqual({
      ...DEFAULT_ENGINE_PRICING.workersAi["@cf/black-forest-labs/flux-2-dev"],
      outputTileUsd: 0.001,
    });
    expect(p.workersAi["@cf/black-forest-labs/flux-2-klein-4b"]).toEqual(DEFAULT_ENGINE_PRICING.workersAi["@cf/black-forest-labs/flux-2-klein-4b"]);
    expect(p.fashn.usdPerCredit).toBe(0.05);
  });

  it("an invalid override is a configuration issue naming the var, not a silent default", () => {
    for (const bad of ["not json", '{"workersAi":{"@cf/unknown/model":{"inputTileUsd":1}}}', '{"fashn":{"usdPerCredit":-1}}', '{"fashn":{"typo":1}}']) {
      const r = configOf({ ENGINE_PRICING: bad });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.issues.map((i) => i.name)).toContain("ENGINE_PRICING");
    }
  });
});
