export { atRestKeyStatus, resealWebhookSecrets } from "./reseal";
