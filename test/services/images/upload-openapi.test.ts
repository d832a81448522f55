import { describe, expect, it } from "vitest";
import { call } from "../../helpers/harness";

interface Doc {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> }; responses: Record<string, { description: string }> }>>;
  components: { schemas: Record<string, unknown> };
}

describe("OpenAPI document: images, files and products", () => {
  it("lists every route with its body schemas and error codes", async () => {
    const doc = (await (await call("/tryon/v1/openapi.json")).json()) as Doc;
    const p = doc.paths;
    expect(Object.keys(p["/tryon/v1/images/upload"] ?? {})).toContain("post");
    expect(Object.keys(p["/tryon/v1/images/{imageId}"] ?? {})).toContain("get");
    expect(Object.keys(p["/tryon/v1/files/{key}"] ?? {})).toContain("get");
    expect(Object.keys(p["/tryon/v1/products"] ?? {}).sort()).toEqual(["get", "post"]);
    expect(Object.keys(p["/tryon/v1/products/{externalId}"] ?? {}).sort()).toEqual(["delete", "get"]);
    expect(Object.keys(p["/tryon/v1/products/{externalId}/stats"] ?? {})).toContain("get");

    const upload = p["/tryon/v1/images/upload"]!.post!;
    expect(Object.keys(upload.requestBody!.content)).toEqual(["multipart/form-data"]);
    expect(upload.responses["400"]!.description).toContain("IMAGE_DIMENSIONS_OUT_OF_RANGE");
    expect(upload.responses["413"]!.description).toContain("FILE_TOO_LARGE");

    const post = p["/tryon/v1/products"]!.post!;
    expect(Object.keys(post.requestBody!.content).sort()).toEqual(["application/json", "multipart/form-data"]);
    for (const code of ["EXTERNAL_ID_REQUIRED", "PRODUCT_IMAGES_REQUIRED", "INVALID_IMAGE_INPUT", "MULTIPART_FILE_NOT_FOUND"]) {
      expect(post.responses["400"]!.description).toContain(code);
    }
    expect(post.responses["409"]!.description).toContain("RESERVED_EXTERNAL_ID");
    expect(p["/tryon/v1/files/{key}"]!.get!.responses["403"]!.description).toContain("FORBIDDEN");
    for (const name of ["ProductInput", "ProductImageInput", "Product", "ProductList", "ProductStats", "Image", "ImageUploadForm", "CropBox"]) {
      expect(doc.components.schemas[name], name).toBeDefined();
    }
  });
});
