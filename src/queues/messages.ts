import { z } from "zod";

/**
 * Body of a `drape-generations` message. A `run` message (sent on acceptance
 * and by the lost-message sweep) asks for an engine run; a `poll` message
 * continues a remote job and carries the lease (`updated_at`) written when it
 * was enqueued, so only one delivery of it can advance the generation.
 */
export const GenerationMessageSchema = z.union([
  z.object({
    generationId: z.string().min(1).max(64),
    accountId: z.string().min(1).max(64),
    poll: z.undefined().optional(),
  }),
  z.object({
    generationId: z.string().min(1).max(64),
    accountId: z.string().min(1).max(64),
    poll: z.object({
      jobId: z.string().min(1).max(256),
      lease: z.number().int().nonnegative(),
      /** How many polls came before this one. */
      count: z.number().int().nonnegative(),
      /** Consecutive transient failures while polling (retried up to the same limit as runs). */
      failures: z.number().int().nonnegative().default(0),
    }),
  }),
]);

export type GenerationMessage = z.infer<typeof GenerationMessageSchema>;
export type GenerationMessageInput = z.input<typeof GenerationMessageSchema>;
