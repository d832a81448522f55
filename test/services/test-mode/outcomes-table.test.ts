import { beforeAll, describe, expect, it } from "vitest";
import doc from "../../../docs/test-mode.md?raw";
import { MAGIC_EXTERNAL_USER_IDS, TEST_OUTCOMES } from "../../../src/lib/test-directive";
import { GenerationSchema } from "../../../src/schemas/generations";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { api, expectEnvelope, expectOk, readWire, type TestAccount } from "../../helpers/harness";
import { fundedAccount, genRow, registerProduct, runConsumer, tryOn, uploadPerson, usePipelineQueues } from "../../helpers/pipeline";
import { testKeyOf } from "./helpers";

/**
 * Walks the table of forcible outcomes in docs/test-mode.md: every row's
 * request is sent with a test key and its documented answer is checked, so the
 * docs cannot drift from the code. The table must also cover every outcome and
 * magic value the code accepts.
 */
interface Row {
  outcome: string;
  add: Record<string, unknown>;
  answer: string;
}

function tableRows(markdown: string): Row[] {
  const section = markdown.split("### Forcible outcomes")[1] ?? "";
  const lines = section.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| Outcome") && !l.startsWith("|---"));
  return lines.map((line) => {
    const cells = line.split(" | ").map((c) => c.replace(/^\| ?| ?\|$/g, "").trim());
    const json = /^`(.*)`$/.exec(cells[1] ?? "")?.[1];
    if (!json) throw new Error(`row without a JSON example: ${line}`);
    return { outcome: cells[0] ?? "", add: JSON.parse(json) as Record<string, unknown>, answer: cells[2] ?? "" };
  });
}

const ROWS = tableRows(doc);
const queue = usePipelineQueues();

let test: TestAccount;
let base: Record<string, unknown>;
beforeAll(async () => {
  const live = await fundedAccount(5);
  test = await testKeyOf(live);
  await registerProduct(test, "table-shirt");
  base = { products: [{ externalId: "table-shirt" }], person: { image: { source: { id: await uploadPerson(test) } } } };
});

/** Runs the generation's queue messages (following polls) until it is terminal; returns the statuses seen after each run. */
async function runToEnd(generationId: string): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < 20; i++) {
    const next = queue.messages.filter((m) => m.generationId === generationId).at(-1);
    await runConsumer([{ body: next }]);
    const status = (await genRow(generationId)).status;
    seen.push(status);
    if (status === "COMPLETED" || status === "FAILED") break;
    await new Promise((r) => setTimeout(r, 400));
  }
  return seen;
}

describe("docs/test-mode.md: the table of forcible outcomes", () => {
  it("lists every outcome and magic value the code accepts", () => {
    const examples = JSON.stringify(ROWS.map((r) => r.add));
    for (const outcome of TEST_OUTCOMES) expect(examples, outcome).toContain(`"outcome":"${outcome}"`);
    for (const magic of Object.keys(MAGIC_EXTERNAL_USER_IDS)) expect(examples, magic).toContain(`"externalUserId":"${magic}"`);
  });

  it.each(ROWS.map((r) => [r.outcome, r] as const))("%s", async (_name, row) => {
    const res = await tryOn(test, { ...base, ...row.add });
    const status = Number(/^\d{3}/.exec(row.answer)?.[0]);
    const code = [...row.answer.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]).filter((c) => c !== "COMPLETED" && c !== "FAILED" && c !== "PROCESSING")[0];
    if (status !== 202) {
      const env = await expectEnvelope(res, status, code as never);
      if (code === "RATE_LIMITED") {
        expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
        expect(res.headers.get("ratelimit")).toMatch(/r=0;/);
        expect(res.headers.get("ratelimit-policy")).toMatch(/^"per-key";q=\d+;w=\d+$/);
      }
      expect(env.status).toBe(status);
      return;
    }
    const { generationId, livemode } = await readWire(res, TryOnAcceptedSchema);
    expect(livemode).toBe(false);
    const seen = await runToEnd(generationId);
    const directive = row.add.test as { delayMs?: number } | undefined;
    if ((directive?.delayMs ?? 0) > 0) expect(seen[0], "kept PROCESSING first").toBe("PROCESSING");
    const view = await expectOk(await api(test, `/generations/${generationId}`), GenerationSchema);
    if (row.answer.includes("`COMPLETED`")) {
      expect([view.status, view.livemode]).toEqual(["COMPLETED", false]);
      expect(view.resultImageUrl).toMatch(/^https?:\/\//);
    } else {
      expect([view.status, view.errorCode, view.livemode]).toEqual(["FAILED", code, false]);
    }
  });
});
