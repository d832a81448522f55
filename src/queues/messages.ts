import { z } from "zod";

/**
 * Every queue message contract of the Worker, and what a consumer answers to
 * one message. Messages carry ids only: the payloads stay in D1, far under the
 * 128 KB message cap.
 */
const Id = z.string().min(1).max(64);

/** What a consumer does with one message: ack it, or retry it after `delaySeconds`; `note` says why, for the log. */
export type QueueOutcome = { action: "ack"; note?: string } | { action: "retry"; delaySeconds: number; note?: string };

/**
 * Body of a `drape-generations` message. A `run` message (sent on acceptance
 * and by the lost-message sweep) asks for an engine run; a `poll` message
 * continues a remote job and carries the lease (`updated_at`) written when it
 * was enqueued, so only one delivery of it can advance the generation. Both
 * carry `hop`, the index of the engine they belong to in the generation's
 * fallback list (absent = 0, the first engine): a message of a superseded
 * engine never claims the generation.
 */
const Hop = z.number().int().nonnegative().max(16).optional();
export const GenerationMessageSchema = z.union([
  z.object({
    generationId: Id,
    accountId: Id,
    hop: Hop,
    poll: z.undefined().optional(),
  }),
  z.object({
    generationId: Id,
    accountId: Id,
    hop: Hop,
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

/**
 * Body of a `drape-webhooks` message: one attempt of one delivery. `manual`
 * marks a one-shot attempt asked for through POST …/deliveries/{id}/retry;
 * `scheduled` says whether the delivery's automatic schedule is still running
 * beside it.
 */
export const WebhookMessageSchema = z.object({
  accountId: Id,
  deliveryId: Id,
  manual: z.object({ scheduled: z.boolean() }).optional(),
  /** Attempts already made before this message (set when the sweep re-enqueues a lost retry), so the schedule resumes where it was. */
  offset: z.number().int().nonnegative().optional(),
});

export type WebhookMessage = z.infer<typeof WebhookMessageSchema>;
