/**
 * Which engine runs a generation is configuration, never code:
 *   0. test mode (a `dr_test_` key) → mock, always: test generations never reach an upstream engine;
 *   1. product title `mock` (any case) or `mock:…` → mock (Genlook parity, test hooks);
 *   2. the account's ordered list for the product category (accounts.engines_by_category);
 *   3. the account's ordered list (accounts.engines; the single `engine` override is a one-item list);
 *   4. ENGINE_BY_CATEGORY[category] (JSON var, e.g. {"bottoms":"fashn"});
 *   5. ENGINE_DEFAULT (composite unless configured).
 * The answer is an ordered list: the first engine runs, the next ones take over
 * when it stays unavailable (docs/engines.md, Routing and fallback). Names
 * this deployment does not know are dropped from stored lists.
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

/** The known, distinct names of a stored list, in order. */
function knownEngines(list: readonly unknown[] | null | undefined): EngineName[] {
  const out: EngineName[] = [];
  for (const name of list ?? []) if (isEngineName(name) && !out.includes(name)) out.push(name);
  return out;
}

export interface EngineSelection {
  config: Pick<AppConfig, "ENGINE_DEFAULT" | "ENGINE_BY_CATEGORY">;
  /** The account's single-engine override (legacy shorthand of a one-item list). */
  accountEngine: string | null;
  /** The account's ordered list; wins over `accountEngine`. */
  accountEngines?: readonly string[] | null;
  /** The account's ordered lists per product category; win over both. */
  accountEnginesByCategory?: Readonly<Record<string, readonly string[]>> | null;
  category: EngineInput["category"] | string;
  productTitle: string | null;
  /** False for a test-mode generation. */
  livemode?: boolean;
}

/** The ordered engine list of a generation (never empty). */
export function selectEngineNames(args: EngineSelection): EngineName[] {
  if (args.livemode === false || isMockTitle(args.productTitle)) return ["mock"];
  const byCat = args.accountEnginesByCategory;
  const accountForCategory = knownEngines(byCat && Object.hasOwn(byCat, args.category) ? byCat[args.category] : null);
  if (accountForCategory.length > 0) return accountForCategory;
  const account = knownEngines(args.accountEngines ?? (args.accountEngine === null ? null : [args.accountEngine]));
  if (account.length > 0) return account;
  const byCategory = Object.hasOwn(args.config.ENGINE_BY_CATEGORY, args.category) ? args.config.ENGINE_BY_CATEGORY[args.category] : undefined;
  if (isEngineName(byCategory)) return [byCategory];
  return [args.config.ENGINE_DEFAULT];
}

/** The first engine of the list `selectEngineNames` answers. */
export function selectEngineName(args: EngineSelection): EngineName {
  return selectEngineNames(args)[0] ?? args.config.ENGINE_DEFAULT;
}

export function createEngine(
  name: EngineName,
  deps: {
    config: Pick<AppConfig, "FASHN_BASE_URL" | "FASHN_API_KEY" | "COMPOSITE_MAX_INPUT_PIXELS" | "ENGINE_PRICING" | "WORKERS_AI_TIMEOUT_SECONDS">;
    fetch?: FetchLike;
    /** The Cloudflare Images binding, when bound: lets composite take photos above its decode cap, and WebP/HEIC. */
    images?: ImagesBinding;
    /** The Workers AI binding (`env.AI`), when bound; tests inject a double here. */
    ai?: AiBinding;
  },
): Engine {
  const pricing = () => resolveEnginePricing(deps.config.ENGINE_PRICING);
  switch (name) {
    case "mock":
      return createMockEngine(deps.images ? { convert: imagesBindingShrinker(deps.images) } : {});
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
