import type { Context } from "hono";
import type { AppEnv } from "../env";
import { bodyFingerprint } from "../lib/fingerprint";
import { type FormRead, readMultipartForm } from "../lib/multipart-form";
import { formLimitsFor } from "./body-limit";

/**
 * The one read of a request body, shared by admission (which needs the
 * idempotency fingerprint before the route runs) and the route.
 *
 * A multipart body to a route that takes files is parsed as it streams and
 * hashed in the same pass: the parts are the only copy held, and the
 * fingerprint adds none. Any other body is at most 1 MB (body-limit.ts) and
 * is read once through Hono's body cache, which the route's own reads
 * (`c.req.json()`, `c.req.text()`, the OpenAPI validator) then reuse.
 */
/** The parsed multipart form of a file route; the first call reads it, later calls share the result. */
export function readForm(c: Context<AppEnv>, opts: { fingerprint: boolean } = { fingerprint: false }): Promise<FormRead> {
  let read = c.get("formRead");
  if (!read) {
    const limits = formLimitsFor(c);
    if (!limits) throw new Error("readForm: this route takes no multipart body");
    read = readMultipartForm(c.req.raw.body, c.req.header("content-type") ?? "", limits, opts).then((r) => {
      c.set("bodyPeakBytes", r.peakHeldBytes);
      return r;
    });
    c.set("formRead", read);
  }
  return read;
}

/** The idempotency fingerprint of this request's body, reading it once for whoever reads it next. */
export async function requestFingerprint(c: Context<AppEnv>): Promise<string> {
  if (formLimitsFor(c)) {
    const read = await readForm(c, { fingerprint: true });
    if (read.fingerprint === null) throw new Error("requestFingerprint: the form was read before admission");
    return read.fingerprint;
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  return bodyFingerprint(c.req.header("content-type") ?? null, bytes);
}
