/** The engine hints a try-on may carry: what the API accepts and what every engine is given. */
export const TRY_ON_CATEGORIES = ["auto", "tops", "bottoms", "one-pieces"] as const;
export type TryOnCategory = (typeof TRY_ON_CATEGORIES)[number];

export const TRY_ON_MODES = ["performance", "balanced", "quality"] as const;
export type TryOnMode = (typeof TRY_ON_MODES)[number];

/** How long POST /try-on/sync holds the request by default, and at most (Genlook's sync endpoint holds up to 90 s). */
export const SYNC_WAIT_DEFAULT_SECONDS = 90;
export const SYNC_WAIT_MAX_SECONDS = 90;
