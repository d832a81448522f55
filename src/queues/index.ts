import { QUEUE_NAMES, type QueueConsumer } from "./dispatch";
import { generationsConsumer, generationsDlqConsumer } from "./generations";
import { consumeWebhooks, consumeWebhooksDlq } from "./webhooks";

/**
 * Every queue consumer of the Worker, by queue name. The pipeline and webhook
 * work add theirs here.
 */
export const QUEUE_CONSUMERS: Readonly<Record<string, QueueConsumer>> = {
  [QUEUE_NAMES.generations]: generationsConsumer(),
  [QUEUE_NAMES.generationsDlq]: generationsDlqConsumer,
  [QUEUE_NAMES.webhooks]: consumeWebhooks,
  [QUEUE_NAMES.webhooksDlq]: consumeWebhooksDlq,
};

export { dispatchQueue } from "./dispatch";
export type { GenerationMessage, GenerationMessageInput, QueueOutcome, WebhookMessage } from "./messages";
export { GenerationMessageSchema, WebhookMessageSchema } from "./messages";
export { QUEUE_NAMES };
