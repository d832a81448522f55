import { ApiError } from "../errors";
import { authOf, serviceContext } from "../http/context";
import { isMultipart, parseMultipart } from "../http/multipart";
import { createRouter } from "../http/router";
import { ignoredFieldsHeader, parseOrThrow } from "../http/validation";
import { resolveAlias } from "../lib/aliases";
import { apiPath } from "../lib/api-paths";
import { IMAGE_MAX_BYTES, inspectImage } from "../lib/image-intake";
import { defaultKeepForDays } from "../lib/retention-days";
import { API_KEY_SECURITY, defineRoute } from "../schemas/errors";
import { ImageIdParamSchema, ImageSchema, UploadFieldsSchema, UploadFormSchema } from "../schemas/images";
import { getImage, presentImage, storeImage } from "../services/images";

const security = API_KEY_SECURITY;

const upload = defineRoute({
  method: "post",
  path: "/images/upload",
  operationId: "uploadImage",
  tags: ["Images"],
  security,
  summary: "Upload a person photo (multipart) → reusable imageId",
  description:
    "multipart/form-data with `file` (required), `crop`, `externalUserId` (deprecated `customerId`), `keepForDays` 1|3|7 (deprecated `retentionDays`). The type is judged by the bytes (JPEG, PNG, WebP, HEIC); each side 240–7680 px; at most 10 MB (the whole form at most 10 MB + 64 KB; a text field over 64 KB is PAYLOAD_TOO_LARGE).",
  request: {
    body: { required: true, content: { "multipart/form-data": { schema: { $ref: "#/components/schemas/ImageUploadForm" } } } },
  },
  responses: {
    201: { description: "Stored", content: { "application/json": { schema: ImageSchema } } },
  },
  errors: ["FILE_REQUIRED", "INVALID_IMAGE", "UNSUPPORTED_IMAGE_TYPE", "IMAGE_DIMENSIONS_OUT_OF_RANGE", "FILE_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"],
});

const getOne = defineRoute({
  method: "get",
  path: "/images/{imageId}",
  operationId: "getImage",
  tags: ["Images"],
  security,
  summary: "Image metadata and a fresh signed URL",
  request: { params: ImageIdParamSchema },
  responses: {
    200: { description: "The image", content: { "application/json": { schema: ImageSchema } } },
  },
  errors: ["IMAGE_NOT_FOUND"],
});

const router = createRouter();
router.openAPIRegistry.register("ImageUploadForm", UploadFormSchema);

export const imageRoutes = router
  .openapi(upload, async (c) => {
    const auth = authOf(c);
    const ctx = serviceContext(c);
    if (!isMultipart(c)) throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "Upload the photo as multipart/form-data with a `file` part.");
    const body = await parseMultipart(c);
    const file = body.files.get("file");
    if (!file) {
      throw new ApiError(
        "FILE_REQUIRED",
        body.fields.has("file") ? "`file` must be a file part (with a filename), not a text field." : "The upload has no `file` part.",
      );
    }
    const raw = Object.fromEntries(body.fields);
    const fields = parseOrThrow(UploadFieldsSchema, raw);
    const ignored = [...body.fields.keys(), ...body.files.keys(), ...(body.data !== undefined ? ["data"] : [])].filter(
      (k) => k !== "file" && !(k in UploadFieldsSchema.shape),
    );
    if (ignored.length > 0) c.header("x-ignored-fields", ignoredFieldsHeader(ignored));

    const externalUserId = resolveAlias(fields.externalUserId, fields.customerId, { alias: "customerId", current: "externalUserId" });
    const keepForDays = resolveAlias(fields.keepForDays, fields.retentionDays, { alias: "retentionDays", current: "keepForDays" });
    const bytes = file.bytes;
    if (bytes.byteLength > IMAGE_MAX_BYTES)
      throw new ApiError("FILE_TOO_LARGE", `The file is ${bytes.byteLength} bytes; the limit is ${IMAGE_MAX_BYTES} bytes (10 MB).`);
    const info = inspectImage(bytes, "file");
    const stored = await storeImage(ctx, {
      accountId: auth.accountId,
      bytes,
      info,
      role: "person",
      keepForDays: keepForDays ?? defaultKeepForDays(auth.retentionDays, ctx.config.DEFAULT_RETENTION_DAYS),
      externalUserId,
      crop: fields.crop ?? true,
    });
    c.header("location", apiPath(`/images/${stored.id}`));
    return c.json(await presentImage(ctx, stored), 201);
  })
  .openapi(getOne, async (c) => {
    const auth = authOf(c);
    const ctx = serviceContext(c);
    const { imageId } = c.req.valid("param");
    const image = await getImage(ctx, auth.accountId, imageId);
    c.header("cache-control", "no-store");
    return c.json(await presentImage(ctx, image), 200);
  });
