/** The engine hints a try-on may carry: what the API accepts and what every engine is given. */
export const TRY_ON_CATEGORIES = ["auto", "tops", "bottoms", "one-pieces"] as const;
export type TryOnCategory = (typeof TRY_ON_CATEGORIES)[number];

export const TRY_ON_MODES = ["performance", "balanced", "quality"] as const;
export type TryOnMode = (typeof TRY_ON_MODES)[number];
