import type { TilePrice, WorkersAiModel } from "../../config";
import type { EngineCost } from "../types";
import { tiles } from "./size";

/**
 * What one FLUX.2 run costs on Workers AI: input tiles × input price + output
 * tiles × output price, each × steps for per-step models (flux-2-dev), in
 * millionths of a dollar.
 */
export function workersAiCost(
  model: WorkersAiModel,
  price: TilePrice,
  inputs: ReadonlyArray<{ width: number; height: number }>,
  output: { width: number; height: number },
): EngineCost {
  const inputTiles = inputs.reduce((n, i) => n + tiles(i.width, i.height), 0);
  const outputTiles = tiles(output.width, output.height);
  const steps = price.perStep ? model.billedSteps : 1;
  const usd = (inputTiles * price.inputTileUsd + outputTiles * price.outputTileUsd) * steps;
  const perStep = price.perStep ? ` × ${steps} steps` : "";
  const name = model.id.slice(model.id.lastIndexOf("/") + 1);
  return {
    usdMicros: Math.round(usd * 1e6),
    basis: `${name}: ${inputTiles} input tiles × $${price.inputTileUsd}${perStep} + ${outputTiles} output tiles × $${price.outputTileUsd}${perStep} (prices read ${price.readAt}: ${price.source})`,
  };
}
