export * from "./accounts";
export * from "./images";
export * from "./products";
export * from "./generations";
export * from "./webhooks";
export * from "./settings";
