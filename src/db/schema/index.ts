export * from "./accounts";
export * from "./generations";
export * from "./images";
export * from "./products";
export * from "./settings";
export * from "./users";
export * from "./webhooks";
