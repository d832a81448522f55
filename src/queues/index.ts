import { QUEUE_NAMES, type QueueConsumer } from "./dispatch";

/**
 * Every queue consumer of the Worker, by queue name. The pipeline and webhook
 * work add theirs here.
 */
export const QUEUE_CONSUMERS: Readonly<Record<string, QueueConsumer>> = {};

export { QUEUE_NAMES };
