export { getAccount, createAccount, getApiKey, issueApiKey, listAccounts, listApiKeys, revokeApiKey, updateAccount, updateApiKey } from "./accounts";
export type { Account, ApiKeyRecord } from "./accounts";
export { authenticate, readPresentedKey } from "./auth";
export type { AuthContext } from "./auth";
