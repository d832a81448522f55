import { serviceContext } from "../../http/context";
import { createRouter } from "../../http/router";
import {
  AccountIdParam,
  ApiKeyListSchema,
  ApiKeySchema,
  CreateApiKeyBody,
  CreatedApiKeySchema,
  KeyIdParams,
  RollApiKeyBody,
  RolledApiKeySchema,
  UpdateApiKeyBody,
} from "../../schemas/admin";
import { PaginationQuerySchema } from "../../schemas/common";
import { ADMIN_SECURITY, defineRoute } from "../../schemas/errors";
import * as accounts from "../../services/accounts";
import { presentApiKey } from "./presenters";

const security = ADMIN_SECURITY;
const tags = ["Operator"];

const issue = defineRoute({
  method: "post",
  path: "/accounts/{accountId}/keys",
  operationId: "adminIssueApiKey",
  tags,
  security,
  summary: "Issue an API key (the plaintext is returned once)",
  request: { params: AccountIdParam, body: { required: true, content: { "application/json": { schema: CreateApiKeyBody } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: CreatedApiKeySchema } } },
  },
  errors: ["ACCOUNT_NOT_FOUND"],
});

const list = defineRoute({
  method: "get",
  path: "/accounts/{accountId}/keys",
  operationId: "adminListApiKeys",
  tags,
  security,
  summary: "List an account's keys, newest first, revoked ones included (no plaintext)",
  request: { params: AccountIdParam, query: PaginationQuerySchema },
  responses: {
    200: { description: "A page of keys", content: { "application/json": { schema: ApiKeyListSchema } } },
  },
  errors: ["ACCOUNT_NOT_FOUND"],
});

const get = defineRoute({
  method: "get",
  path: "/accounts/{accountId}/keys/{keyId}",
  operationId: "adminGetApiKey",
  tags,
  security,
  summary: "Get one key",
  request: { params: KeyIdParams },
  responses: {
    200: { description: "The key", content: { "application/json": { schema: ApiKeySchema } } },
  },
  errors: ["API_KEY_NOT_FOUND"],
});

const update = defineRoute({
  method: "patch",
  path: "/accounts/{accountId}/keys/{keyId}",
  operationId: "adminUpdateApiKey",
  tags,
  security,
  summary: "Change a key's name, rate limit or spend cap",
  request: { params: KeyIdParams, body: { required: true, content: { "application/json": { schema: UpdateApiKeyBody } } } },
  responses: {
    200: { description: "The key", content: { "application/json": { schema: ApiKeySchema } } },
  },
  errors: ["API_KEY_NOT_FOUND"],
});

const revoke = defineRoute({
  method: "post",
  path: "/accounts/{accountId}/keys/{keyId}/revoke",
  operationId: "adminRevokeApiKey",
  tags,
  security,
  summary: "Revoke a key (idempotent; effective everywhere within 30 s)",
  request: { params: KeyIdParams },
  responses: {
    200: { description: "The revoked key", content: { "application/json": { schema: ApiKeySchema } } },
  },
  errors: ["API_KEY_NOT_FOUND"],
});

const roll = defineRoute({
  method: "post",
  path: "/accounts/{accountId}/keys/{keyId}/roll",
  operationId: "adminRollApiKey",
  tags,
  security,
  summary: "Roll a key: a new key with the same name and limits (plaintext returned once); the old one keeps working for `overlapSeconds`",
  description:
    "The old key gets `expiresAt` = now + `overlapSeconds` (0 to 7 days, default 24 h) and is refused after it, within 30 s everywhere. " +
    "Only a live key that was not rolled yet can be rolled (409 API_KEY_NOT_ROLLABLE otherwise), so each key has at most one successor. " +
    "A per-key spend cap counts the new key's spending from zero. The dashboard's roll uses the same service.",
  request: { params: KeyIdParams, body: { required: false, content: { "application/json": { schema: RollApiKeyBody } } } },
  responses: {
    201: { description: "The new key (with its plaintext) and the rolled one", content: { "application/json": { schema: RolledApiKeySchema } } },
  },
  errors: ["API_KEY_NOT_FOUND", "API_KEY_NOT_ROLLABLE"],
});

export const keyRoutes = createRouter()
  .openapi(issue, async (c) => {
    const { record, plaintext } = await accounts.issueApiKey(serviceContext(c), c.req.valid("param").accountId, c.req.valid("json"));
    return c.json({ ...presentApiKey(record), key: plaintext }, 201);
  })
  .openapi(list, async (c) => {
    const page = await accounts.listApiKeys(serviceContext(c), c.req.valid("param").accountId, c.req.valid("query"));
    return c.json({ ...page, items: page.items.map(presentApiKey) }, 200);
  })
  .openapi(get, async (c) => {
    const { accountId, keyId } = c.req.valid("param");
    return c.json(presentApiKey(await accounts.getApiKey(serviceContext(c), accountId, keyId)), 200);
  })
  .openapi(update, async (c) => {
    const { accountId, keyId } = c.req.valid("param");
    return c.json(presentApiKey(await accounts.updateApiKey(serviceContext(c), accountId, keyId, c.req.valid("json"))), 200);
  })
  .openapi(revoke, async (c) => {
    const { accountId, keyId } = c.req.valid("param");
    return c.json(presentApiKey(await accounts.revokeApiKey(serviceContext(c), accountId, keyId)), 200);
  })
  .openapi(roll, async (c) => {
    const { accountId, keyId } = c.req.valid("param");
    const { record, plaintext, previous } = await accounts.rollApiKey(serviceContext(c), accountId, keyId, c.req.valid("json").overlapSeconds);
    return c.json({ ...presentApiKey(record), key: plaintext, previous: presentApiKey(previous) }, 201);
  });
