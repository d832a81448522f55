// Writes docs/openapi.json from the running Worker's own /tryon/v1/openapi.json
// (the document is generated from the Zod schemas; this file is a checked-in
// copy for readers and tools). `--check` fails when the copy is stale.
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { unstable_startWorker } from "wrangler";

const { apiPath } = await import("../src/lib/api-paths.ts");

const check = process.argv.includes("--check");
const target = new URL("../docs/openapi.json", import.meta.url);

// A throwaway local run: without these the deployment check refuses to serve (no secrets on a fresh clone).
const text = (value) => ({ type: "plain_text", value });
const worker = await unstable_startWorker({
  config: "wrangler.toml",
  bindings: {
    ENVIRONMENT: text("development"),
    ADMIN_TOKEN: text(randomBytes(32).toString("base64url")),
    FILE_SIGNING_SECRET: text(randomBytes(32).toString("base64url")),
    AT_REST_KEY: text(randomBytes(32).toString("base64")),
  },
  // remote: false — offline: the AI binding (no local simulator) must not open a remote session, which needs a login.
  dev: { server: { port: 0 }, inspector: false, persist: false, logLevel: "error", remote: false },
});
try {
  await worker.ready;
  const res = await worker.fetch(`http://localhost${apiPath("/openapi.json")}`);
  if (res.status !== 200) throw new Error(`openapi.json answered ${res.status}`);
  const fresh = `${JSON.stringify(await res.json(), null, 2)}\n`;
  if (check) {
    const current = await readFile(target, "utf8").catch(() => "");
    if (current !== fresh) {
      console.error("docs/openapi.json is stale: run `npm run gen:openapi` and commit it.");
      process.exitCode = 1;
    } else console.log("docs/openapi.json is current.");
  } else {
    await writeFile(target, fresh);
    console.log("wrote docs/openapi.json");
  }
} finally {
  await worker.dispose();
}
