import { ApiError } from "../../errors";
import { serviceContext } from "../../http/context";
import { createRouter } from "../../http/router";
import { LOGO_LIMITS } from "../../lib/image-intake";
import { AccountIdParam, AccountSchema } from "../../schemas/admin";
import { ADMIN_SECURITY, defineRoute } from "../../schemas/errors";
import { clearAccountLogo, setAccountLogo } from "../../services/accounts";
import { presentAccount } from "./presenters";

const security = ADMIN_SECURITY;
const tags = ["Operator"];
const binary = { schema: { type: "string" as const, format: "binary" } };

const put = defineRoute({
  method: "put",
  path: "/accounts/{accountId}/logo",
  operationId: "adminSetAccountLogo",
  tags,
  security,
  summary: "Set the account logo (stamped on results with output.watermark)",
  description: `The request body is the image itself (e.g. \`curl --data-binary @logo.png\`); its type is judged by the bytes: PNG, WebP or JPEG, at most ${LOGO_LIMITS.maxBytes} bytes, each side ${LOGO_LIMITS.minSide}–${LOGO_LIMITS.maxSide} px. A transparent PNG or WebP is blended over the result. Replaces any previous logo.`,
  request: {
    params: AccountIdParam,
    body: { required: true, content: { "image/png": binary, "image/webp": binary, "image/jpeg": binary } },
  },
  responses: {
    200: { description: "The account, with its new logo", content: { "application/json": { schema: AccountSchema } } },
  },
  errors: ["ACCOUNT_NOT_FOUND", "FILE_REQUIRED", "FILE_TOO_LARGE", "INVALID_IMAGE", "UNSUPPORTED_IMAGE_TYPE", "IMAGE_DIMENSIONS_OUT_OF_RANGE"],
});

const remove = defineRoute({
  method: "delete",
  path: "/accounts/{accountId}/logo",
  operationId: "adminClearAccountLogo",
  tags,
  security,
  summary: "Remove the account logo (results are no longer stamped)",
  request: { params: AccountIdParam },
  responses: {
    200: { description: "The account, without a logo", content: { "application/json": { schema: AccountSchema } } },
  },
  errors: ["ACCOUNT_NOT_FOUND"],
});

export const logoRoutes = createRouter()
  .openapi(put, async (c) => {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength === 0) throw new ApiError("FILE_REQUIRED", "Send the logo image as the request body.");
    const account = await setAccountLogo(serviceContext(c), c.req.valid("param").accountId, bytes, "body");
    return c.json(presentAccount(account), 200);
  })
  .openapi(remove, async (c) => {
    const account = await clearAccountLogo(serviceContext(c), c.req.valid("param").accountId);
    return c.json(presentAccount(account), 200);
  });
