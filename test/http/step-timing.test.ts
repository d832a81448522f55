import { describe, expect, it } from "vitest";
import { api, callWithEnv } from "../helpers/harness";
import { REQUEST_DELIVERY } from "../helpers/outbox-delivery";
import { env, fundedAccount, registerProduct, tryOn, uploadPerson, usePipelineQueues } from "../helpers/pipeline";

usePipelineQueues();

/** `Server-Timing` entries as name → { dur, calls }. */
function steps(header: string | null): Record<string, { dur: number; calls: number }> {
  const out: Record<string, { dur: number; calls: number }> = {};
  for (const part of (header ?? "").split(",")) {
    const [name, ...params] = part.trim().split(";");
    const dur = params.find((p) => p.startsWith("dur="));
    const desc = params.find((p) => p.startsWith("desc="));
    if (name && dur) out[name] = { dur: Number(dur.slice(4)), calls: desc ? Number(desc.slice(6, -1)) : 1 };
  }
  return out;
}

describe("per-step timings (profiling only, DRAPE_STEP_TIMING)", () => {
  it("are off by default: no Server-Timing header", async () => {
    const acct = await fundedAccount(1);
    const res = await api(acct, "/account/credits");
    expect(res.status).toBe(200);
    expect(res.headers.get("server-timing")).toBeNull();
  });

  it("when on, name each storage call of the request with its count", async () => {
    const acct = await fundedAccount(5);
    const imageId = await uploadPerson(acct);
    await registerProduct(acct, "timed-1");
    const timedEnv = { ...env, DRAPE_STEP_TIMING: "true" };

    const credits = await callWithEnv(timedEnv, "/tryon/v1/account/credits", { headers: { "x-api-key": acct.key } });
    expect(credits.status).toBe(200);
    const c = steps(credits.headers.get("server-timing"));
    expect(c["do.admit"]?.calls).toBe(1);
    expect(c.total?.dur).toBeGreaterThanOrEqual(0);
    expect(c.d1).toBeUndefined();

    const body = JSON.stringify({ products: [{ externalId: "timed-1" }], person: { image: { source: { id: imageId } } } });
    const accepted = await callWithEnv(timedEnv, "/tryon/v1/try-on", {
      method: "POST",
      headers: { "x-api-key": acct.key, "content-type": "application/json" },
      body,
    });
    expect(accepted.status).toBe(202);
    const t = steps(accepted.headers.get("server-timing"));
    // The refs come from the isolate's cache (filled by the upload and the product registration); one batch writes the
    // generation and one send queues it, or, with the outbox, the reservation records it and neither is on the request.
    expect(t.d1?.calls).toBe(REQUEST_DELIVERY ? 1 : undefined);
    expect(t["do.reserve"]?.calls).toBe(1);
    expect(t.queue?.calls).toBe(REQUEST_DELIVERY ? 1 : undefined);
    // The untimed path answers the same: the plain tryOn helper still works after a timed request.
    expect((await tryOn(acct, JSON.parse(body))).status).toBe(202);
  });
});
