/**
 * Which engine runs a generation is configuration, never code:
 *   0. test mode (a `dr_test_` key) → mock, always: test generations never reach an upstream engine;
 *   1. product title `mock` (any case) or `mock:…` → mock (Genlook parity, test hooks);
 *   2. the account's engine override (accounts table), when it names a known engine;
 *   3. ENGINE_BY_CATEGORY[category] (JSON var, e.g. {"bottoms":"fashn"});
 *   4. ENGINE_DEFAULT (composite unless configured).
 */
import { type AppConfig, ENGINE_NAMES, type EngineName, resolveEnginePricing } from "../config";
import { createCompositeEngine, imagesBindingShrinker } from "./composite";
import { createFashnEngine, type FetchLike } from "./fashn";
import { createMockEngine } from "./mock";
import type { Engine, EngineInput } from "./types";
import { type AiBinding, createWorkersAiEngine } from "./workers-ai";

export type { EngineName };

export function isEngineName(v: unknown): v is EngineName {
  return typeof v === "string" && (ENGINE_NAMES as readonly string[]).includes(v);
}

/** True for a product title that selects the mock engine: `mock` or `mock:<directive>`, case-insensitive. */
export function isMockTitle(title: string | null): boolean {
  if (title === null) return false;
  const t = title.trim().toLowerCase();
  return t === "mock" || t.startsWith("mock:");
}

export function selectEngineName(args: {
  config: Pick<AppConfig, "ENGINE_DEFAULT" | "ENGINE_BY_CATEGORY">;
  accountEngine: string | null;
  category: EngineInput["category"] | string;
  productTitle: string | null;
  /** False for a test-mode generation. */
  livemode?: boolean;
}): EngineName {
  if (args.livemode === false || isMockTitle(args.productTitle)) return "mock";
  if (isEngineName(args.accountEngine)) return args.accountEngine;
  const byCategory = Object.hasOwn(args.config.ENGINE_BY_CATEGORY, args.category) ? args.config.ENGINE_BY_CATEGORY[args.category] : undefined;
  if (isEngineName(byCategory)) return byCategory;
  return args.config.ENGINE_DEFAULT;
}

export function createEngine(
  name: EngineName,
  deps: {
    config: Pick<AppConfig, "FASHN_BASE_URL" | "FASHN_API_KEY" | "COMPOSITE_MAX_INPUT_PIXELS" | "ENGINE_PRICING" | "WORKERS_AI_TIMEOUT_SECONDS">;
    fetch?: FetchLike;
    /** The Cloudflare Images binding, when bound: lets composite take photos above its decode cap. */
    images?: ImagesBinding;
    /** The Workers AI binding (`env.AI`), when bound; tests inject a double here. */
    ai?: AiBinding;
  },
): Engine {
  const pricing = () => resolveEnginePricing(deps.config.ENGINE_PRICING);
  switch (name) {
    case "mock":
      return createMockEngine();
    case "composite":
      return createCompositeEngine({
        maxInputPixels: deps.config.COMPOSITE_MAX_INPUT_PIXELS,
        ...(deps.images ? { shrink: imagesBindingShrinker(deps.images) } : {}),
      });
    case "fashn":
      return createFashnEngine({
        baseUrl: deps.config.FASHN_BASE_URL,
        apiKey: deps.config.FASHN_API_KEY,
        price: pricing().fashn,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
    case "workers-ai":
      return createWorkersAiEngine({
        ai: deps.ai,
        pricing: pricing().workersAi,
        timeoutMs: deps.config.WORKERS_AI_TIMEOUT_SECONDS * 1000,
        maxInputPixels: deps.config.COMPOSITE_MAX_INPUT_PIXELS,
        ...(deps.images ? { shrink: imagesBindingShrinker(deps.images) } : {}),
      });
  }
}
