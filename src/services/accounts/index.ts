export type { Account, ApiKeyRecord, IssueKeyInput } from "./accounts";
export {
  accountIdForMode,
  createAccount,
  createKeyForAccount,
  getAccount,
  getApiKey,
  getOwnAccount,
  issueApiKey,
  listAccounts,
  listApiKeys,
  revokeApiKey,
  rollApiKey,
  updateAccount,
  updateApiKey,
} from "./accounts";
export type { AuthContext } from "./auth";
export { authenticate, readPresentedKey } from "./auth";
export type { AccountLogo } from "./logo";
export { accountLogoUrl, clearAccountLogo, logoOf, readAccountLogo, setAccountLogo } from "./logo";
