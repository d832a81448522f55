import { describe, expect, it, vi } from "vitest";
import { admin, env, expectEnvelope } from "../helpers/harness";

// A dependency failing under a route (here: D1 without its table) must become
// INTERNAL_ERROR in the envelope, logged with the request id, with no stack or
// driver message in the body. Storage is per test file, so the drop is local.
describe("unexpected exceptions", () => {
  it("answer 500 INTERNAL_ERROR without internals, and are logged with the request id", async () => {
    await env.DB.exec("DROP TABLE api_keys");
    await env.DB.exec("DROP TABLE accounts");
    const errors = vi.spyOn(console, "error");
    const res = await admin("/admin/v1/accounts", { headers: { "x-request-id": "trace-me-42" } });
    const body = await expectEnvelope(res, 500, "INTERNAL_ERROR");
    const text = JSON.stringify(body);
    expect(text).not.toMatch(/D1|SQLITE|no such table|at \w+ \(/i);
    expect(body.requestId).toBe("trace-me-42");
    const logged = errors.mock.calls.map((c) => String(c[0])).join("\n");
    expect(logged).toContain("trace-me-42");
    expect(logged).toContain("unhandled exception");
  });
});
