export { sweepWebhookDeliveries, abandonDelivery, processWebhookMessage, createGenerationDeliveries } from "./delivery";
export { validateWebhookUrl, createEndpoint, deleteEndpoint, getDefaultSecret, getDelivery, getEndpoint, getEndpointSecret, listDeliveries, listEndpoints, retryDelivery, rotateDefaultSecret, rotateEndpointSecret, sendTestEvent, updateEndpoint } from "./endpoints";
export { isWebhookMessage } from "./enqueue";
