/** The four states of a generation, in order: the wire contract, which the D1 column follows. */
export const GENERATION_STATUSES = ["PENDING", "PROCESSING", "COMPLETED", "FAILED"] as const;
export type GenerationStatus = (typeof GENERATION_STATUSES)[number];
