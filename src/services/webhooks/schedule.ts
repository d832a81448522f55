import { DAY } from "../../lib/time";

/**
 * Retry schedule (Svix / Standard Webhooks): the first attempt at once, then
 * after ≈ 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: 8 attempts over ≈ 27.6 h,
 * each gap within the Queues 12 h delay cap.
 */
export const RETRY_SCHEDULE_SECONDS = [5, 300, 1800, 7200, 18000, 36000, 36000] as const;
export const MAX_ATTEMPTS = RETRY_SCHEDULE_SECONDS.length + 1;
/** Queues' maximum `delaySeconds` (12 h); a receiver's Retry-After is clamped to it. */
export const MAX_QUEUE_DELAY_SECONDS = 43200;
/** An endpoint whose attempts fail without a break for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * DAY;
