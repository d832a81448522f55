import { serviceContext } from "../../http/context";
import { createRouter } from "../../http/router";
import { AccountIdParam, AccountListSchema, AccountSchema, CreateAccountBody, UpdateAccountBody } from "../../schemas/admin";
import { PaginationQuerySchema } from "../../schemas/common";
import { ADMIN_SECURITY, defineRoute } from "../../schemas/errors";
import * as accounts from "../../services/accounts";
import { presentAccount } from "./presenters";

const security = ADMIN_SECURITY;
const tags = ["Operator"];

const create = defineRoute({
  method: "post",
  path: "/accounts",
  operationId: "adminCreateAccount",
  tags,
  security,
  summary: "Create an account",
  request: { body: { required: true, content: { "application/json": { schema: CreateAccountBody } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: AccountSchema } } },
  },
  errors: [],
});

const list = defineRoute({
  method: "get",
  path: "/accounts",
  operationId: "adminListAccounts",
  tags,
  security,
  summary: "List accounts (newest first)",
  request: { query: PaginationQuerySchema },
  responses: {
    200: { description: "A page of accounts", content: { "application/json": { schema: AccountListSchema } } },
  },
  errors: [],
});

const get = defineRoute({
  method: "get",
  path: "/accounts/{accountId}",
  operationId: "adminGetAccount",
  tags,
  security,
  summary: "Get an account",
  request: { params: AccountIdParam },
  responses: {
    200: { description: "The account", content: { "application/json": { schema: AccountSchema } } },
  },
  errors: ["ACCOUNT_NOT_FOUND"],
});

const update = defineRoute({
  method: "patch",
  path: "/accounts/{accountId}",
  operationId: "adminUpdateAccount",
  tags,
  security,
  summary: "Update an account (status, limits, engine, retention)",
  request: { params: AccountIdParam, body: { required: true, content: { "application/json": { schema: UpdateAccountBody } } } },
  responses: {
    200: { description: "The updated account", content: { "application/json": { schema: AccountSchema } } },
  },
  errors: ["ACCOUNT_NOT_FOUND"],
});

export const accountRoutes = createRouter()
  .openapi(create, async (c) => {
    const account = await accounts.createAccount(serviceContext(c), c.req.valid("json"));
    return c.json(presentAccount(account), 201);
  })
  .openapi(list, async (c) => {
    const page = await accounts.listAccounts(serviceContext(c), c.req.valid("query"));
    return c.json({ ...page, items: page.items.map(presentAccount) }, 200);
  })
  .openapi(get, async (c) => {
    const account = await accounts.getAccount(serviceContext(c), c.req.valid("param").accountId);
    return c.json(presentAccount(account), 200);
  })
  .openapi(update, async (c) => {
    const account = await accounts.updateAccount(serviceContext(c), c.req.valid("param").accountId, c.req.valid("json"));
    return c.json(presentAccount(account), 200);
  });
