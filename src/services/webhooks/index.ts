export { processWebhookMessage } from "./attempt";
export { getDelivery, listAccountDeliveries, listDeliveries, retryAccountDelivery, retryDelivery, sendTestEvent } from "./delivery-log";
export { createEndpoint, deleteEndpoint, getEndpoint, getEndpointSecret, listEndpoints, rotateEndpointSecret, updateEndpoint } from "./endpoints";
export type { GenerationFinished } from "./generation-deliveries";
export { createGenerationDeliveries } from "./generation-deliveries";
export { getDefaultSecret, rotateDefaultSecret } from "./secrets";
export { abandonDelivery, sweepWebhookDeliveries } from "./sweep";
export { validateWebhookUrl } from "./url-policy";
