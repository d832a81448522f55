import { z } from "@hono/zod-openapi";
import { KEEP_FOR_DAYS_TEXT, type KeepForDays } from "../lib/retention-days";
import { ClientIdSchema, IsoDate, LivemodeSchema } from "./common";

const BoolText = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const DaysText = z.enum(KEEP_FOR_DAYS_TEXT).transform((v) => Number(v) as KeepForDays);
const UserId = ClientIdSchema;

/** Text fields of POST /images/upload, as strings from the form (parsed by hand from multipart). */
export const UploadFieldsSchema = z.object({
  crop: BoolText.optional(),
  externalUserId: UserId.optional(),
  customerId: UserId.optional(),
  keepForDays: DaysText.optional(),
  retentionDays: DaysText.optional(),
});

/** The multipart form as documented in OpenAPI (the handler parses it by hand). */
export const UploadFormSchema = z
  .object({
    file: z.string().openapi({ type: "string", format: "binary", description: "The photo: JPEG, PNG, WebP or HEIC, at most 10 MB, each side 240–7680 px." }),
    crop: z.enum(["true", "false"]).optional().openapi({ description: "Record a centered 4:5 crop box for engines (default true). false keeps the frame." }),
    externalUserId: z.string().optional().openapi({ description: "Your opaque end-user id (no PII), the key for DELETE /customers/{id}." }),
    customerId: z.string().optional().openapi({ deprecated: true, description: "Deprecated alias of externalUserId." }),
    keepForDays: z.enum(KEEP_FOR_DAYS_TEXT).optional().openapi({ description: "Days the photo is kept (default: the account's window, 7)." }),
    retentionDays: z.enum(KEEP_FOR_DAYS_TEXT).optional().openapi({ deprecated: true, description: "Deprecated alias of keepForDays." }),
  })
  .openapi("ImageUploadForm");

export const CropBoxSchema = z
  .object({ x: z.number().int(), y: z.number().int(), width: z.number().int(), height: z.number().int() })
  .openapi("CropBox", { description: "Centered 4:5 box in the displayed frame (after EXIF orientation). Geometry only: no person detection." });

export const ImageSchema = z
  .object({
    imageId: z.string().openapi({ example: "img_0Q3xY2aB9f86d081abCDEFGHij" }),
    livemode: LivemodeSchema,
    imageUrl: z.string().openapi({ description: "Short-lived signed URL of the stored bytes; GET the image again for a fresh one." }),
    imageUrlExpiresAt: IsoDate,
    width: z.number().int().openapi({ example: 1080 }),
    height: z.number().int().openapi({ example: 1350 }),
    format: z.enum(["jpeg", "png", "webp", "heic"]),
    contentType: z.string().openapi({ example: "image/jpeg" }),
    byteSize: z.number().int(),
    orientation: z.number().int().nullable().openapi({ description: "EXIF orientation (1–8) when the file carries one." }),
    crop: CropBoxSchema.nullable(),
    externalUserId: z.string().nullable(),
    keepForDays: z.number().int().nullable(),
    createdAt: IsoDate,
    expiresAt: IsoDate.nullable().openapi({ description: "When the image is deleted; after that, upload it again." }),
  })
  .openapi("Image");

export type ImageView = z.infer<typeof ImageSchema>;

export const ImageIdParamSchema = z.object({
  imageId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "imageId", in: "path" }, example: "img_0Q3xY2aB9f86d081abCDEFGHij" }),
});
