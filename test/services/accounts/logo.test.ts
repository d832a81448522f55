import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { testAccountIdOf } from "../../../src/lib/modes";
import { AccountListSchema, AccountSchema } from "../../../src/schemas/admin";
import { admin, createAccount, expectEnvelope, expectOk } from "../../helpers/harness";
import { GIF_BYTES, makeHeic, makeJpeg, makePng, makePngHeader, makeWebp } from "../../helpers/images";

interface LogoRow {
  logo_r2_key: string | null;
  logo_format: string | null;
  logo_width: number | null;
  logo_height: number | null;
  logo_updated_at: number | null;
}

const logoRow = async (accountId: string) =>
  env.DB.prepare("SELECT logo_r2_key, logo_format, logo_width, logo_height, logo_updated_at FROM accounts WHERE id = ?").bind(accountId).first<LogoRow>();

const storedLogos = async (accountId: string) => (await env.BUCKET.list({ prefix: `keep/${accountId}/logo/` })).objects.map((o) => o.key);

const putLogo = (accountId: string, bytes: Uint8Array, type = "image/png") =>
  admin(`/admin/v1/accounts/${accountId}/logo`, { method: "PUT", body: bytes, headers: { "content-type": type } });

const EMPTY_ROW: LogoRow = { logo_r2_key: null, logo_format: null, logo_width: null, logo_height: null, logo_updated_at: null };

describe("PUT/DELETE /admin/v1/accounts/{id}/logo", () => {
  it("sets the logo (R2 bytes, row, `logo` on every account answer), replaces it, and clears it", async () => {
    const acct = await createAccount({ name: "Logo shop" });
    const t0 = Date.now();
    const png = await makePng(120, 40, (x) => [x < 60 ? 0 : 255, 0, 255, x < 60 ? 0 : 255]);

    const set = await expectOk(await putLogo(acct.accountId, png), AccountSchema);
    expect(set.logo).toMatchObject({ format: "png", width: 120, height: 40 });
    expect(Date.parse(set.logo?.updatedAt ?? "")).toBeGreaterThanOrEqual(t0 - 1000);
    const row = await logoRow(acct.accountId);
    expect(row).toMatchObject({ logo_format: "png", logo_width: 120, logo_height: 40 });
    expect(row?.logo_r2_key).toMatch(new RegExp(`^keep/${acct.accountId}/logo/img_[0-9A-Za-z]{24}\\.png$`));
    const obj = await env.BUCKET.get(row?.logo_r2_key ?? "");
    expect(new Uint8Array(await (obj as R2ObjectBody).arrayBuffer())).toEqual(png);
    expect(obj?.httpMetadata?.contentType).toBe("image/png");

    // Every operator answer about the account says so.
    expect((await expectOk(await admin(`/admin/v1/accounts/${acct.accountId}`), AccountSchema)).logo).toEqual(set.logo);
    const listed = await expectOk(await admin("/admin/v1/accounts?limit=100"), AccountListSchema);
    expect(listed.items.find((a) => a.id === acct.accountId)?.logo).toEqual(set.logo);
    const patched = await expectOk(await admin(`/admin/v1/accounts/${acct.accountId}`, { method: "PATCH", json: { name: "Renamed" } }), AccountSchema);
    expect(patched.logo).toEqual(set.logo);

    // A new logo replaces the old one: its object is deleted, one logo is stored.
    const webp = await makeWebp(64, 64, () => [10, 200, 30, 255]);
    const replaced = await expectOk(await putLogo(acct.accountId, webp, "image/webp"), AccountSchema);
    expect(replaced.logo).toMatchObject({ format: "webp", width: 64, height: 64 });
    const after = await logoRow(acct.accountId);
    expect(after?.logo_r2_key).not.toBe(row?.logo_r2_key);
    expect(await storedLogos(acct.accountId)).toEqual([after?.logo_r2_key]);

    // Cleared: the row has no logo, the object is gone; clearing again is a no-op.
    const cleared = await expectOk(await admin(`/admin/v1/accounts/${acct.accountId}/logo`, { method: "DELETE" }), AccountSchema);
    expect(cleared.logo).toBeNull();
    expect(await logoRow(acct.accountId)).toEqual(EMPTY_ROW);
    expect(await storedLogos(acct.accountId)).toEqual([]);
    expect((await expectOk(await admin(`/admin/v1/accounts/${acct.accountId}/logo`, { method: "DELETE" }), AccountSchema)).logo).toBeNull();
  });

  it("takes a JPEG too; a new account has no logo", async () => {
    const acct = await createAccount();
    expect((await expectOk(await admin(`/admin/v1/accounts/${acct.accountId}`), AccountSchema)).logo).toBeNull();
    const set = await expectOk(await putLogo(acct.accountId, await makeJpeg(200, 100), "image/jpeg"), AccountSchema);
    expect(set.logo).toMatchObject({ format: "jpeg", width: 200, height: 100 });
  });

  it("refuses what is not a usable logo with the catalog's code, storing nothing and keeping the current logo", async () => {
    const acct = await createAccount();
    const current = await makePng(50, 50, () => [1, 2, 3, 255]);
    await expectOk(await putLogo(acct.accountId, current), AccountSchema);
    const before = await logoRow(acct.accountId);
    const cases: Array<[string, Uint8Array, number, Parameters<typeof expectEnvelope>[2]]> = [
      ["text", new TextEncoder().encode("this is not an image at all, just some words"), 400, "UNSUPPORTED_IMAGE_TYPE"],
      ["GIF", GIF_BYTES, 400, "UNSUPPORTED_IMAGE_TYPE"],
      ["HEIC (no decoder in the Worker)", makeHeic(300, 300), 400, "UNSUPPORTED_IMAGE_TYPE"],
      ["empty body", new Uint8Array(0), 400, "FILE_REQUIRED"],
      ["forged PNG header without image data", makePngHeader(100, 60), 400, "INVALID_IMAGE"],
      ["PNG whose image data does not inflate", await garbledPng(), 400, "INVALID_IMAGE"],
      ["too small", await makePng(8, 8), 400, "IMAGE_DIMENSIONS_OUT_OF_RANGE"],
      ["too wide", await makePng(1100, 20), 400, "IMAGE_DIMENSIONS_OUT_OF_RANGE"],
      ["over 512 KB", concatPad(await makePng(64, 64), 512 * 1024 + 1), 413, "FILE_TOO_LARGE"],
    ];
    for (const [what, bytes, status, code] of cases) {
      const env_ = await expectEnvelope(await putLogo(acct.accountId, bytes), status, code).catch((err: Error) => {
        throw new Error(`${what}: ${err.message}`);
      });
      expect(env_.code, what).toBe(code);
      expect(await logoRow(acct.accountId), what).toEqual(before);
      expect(await storedLogos(acct.accountId), what).toEqual([before?.logo_r2_key]);
    }
  });

  it("answers ACCOUNT_NOT_FOUND for an unknown account or a test twin, storing nothing", async () => {
    const acct = await createAccount();
    const png = await makePng(40, 40);
    await expectEnvelope(await putLogo("acc_doesnotexist000000000000", png), 404, "ACCOUNT_NOT_FOUND");
    await expectEnvelope(await putLogo(testAccountIdOf(acct.accountId), png), 404, "ACCOUNT_NOT_FOUND");
    await expectEnvelope(await admin(`/admin/v1/accounts/${testAccountIdOf(acct.accountId)}/logo`, { method: "DELETE" }), 404, "ACCOUNT_NOT_FOUND");
    expect(await storedLogos("acc_doesnotexist000000000000")).toEqual([]);
    expect(await storedLogos(testAccountIdOf(acct.accountId))).toEqual([]);
  });
});

/** A well-formed PNG (signature, chunks, lengths) whose IDAT is not a deflate stream: only a decode finds out. */
async function garbledPng(): Promise<Uint8Array> {
  const png = await makePng(64, 64);
  const out = png.slice();
  const view = new DataView(out.buffer);
  for (let o = 8; o + 8 <= out.length; ) {
    const len = view.getUint32(o);
    const type = String.fromCharCode(...out.subarray(o + 4, o + 8));
    if (type === "IDAT") out.fill(0xaa, o + 8, o + 8 + len);
    o += 12 + len;
  }
  return out;
}

/** A real PNG followed by filler up to `size` bytes (the header reader ignores bytes after IEND). */
function concatPad(png: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(png);
  return out;
}
