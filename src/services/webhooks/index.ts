export { abandonDelivery, createGenerationDeliveries, processWebhookMessage, sweepWebhookDeliveries } from "./delivery";
export {
  createEndpoint,
  deleteEndpoint,
  getDefaultSecret,
  getDelivery,
  getEndpoint,
  getEndpointSecret,
  listDeliveries,
  listEndpoints,
  retryDelivery,
  rotateDefaultSecret,
  rotateEndpointSecret,
  sendTestEvent,
  updateEndpoint,
  validateWebhookUrl,
} from "./endpoints";
export { isWebhookMessage } from "./enqueue";
