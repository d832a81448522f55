import { Hono } from "hono";
import { can } from "../../services/users";
import { signedInOf } from "../context";
import type { DashEnv } from "../env";
import { AREAS } from "../nav";
import { renderPage } from "../render";
import { errorPage, notFoundPage } from "./errors";

/**
 * Areas whose page is not built yet. Each says so plainly (no sample data) and points at the API
 * that does the job meanwhile. A page that gets built replaces its entry here.
 */
const PENDING: Record<string, { meanwhile: string }> = {};

export const stubPages = new Hono<DashEnv>();

for (const area of AREAS) {
  const pending = PENDING[area.path];
  if (!pending) continue;
  stubPages.get(area.path.replace(/^\/dashboard/, ""), (c) => {
    const role = signedInOf(c).current?.role;
    if (role && !can(role, area.permission)) return errorPage(c, 403, "Not allowed", `Your role on this account cannot open ${area.label}.`);
    return renderPage(
      c,
      area.label,
      <div class="stub">
        <p>
          <strong>This page is not built yet.</strong> It is planned (docs/dashboard.md); nothing here is sample data.
        </p>
        <p>{`Meanwhile: ${pending.meanwhile}`}</p>
      </div>,
    );
  });
}

stubPages.get("/operator", (c) => {
  // Only operators learn that the console exists.
  if (!signedInOf(c).user.isOperator) return notFoundPage(c);
  return renderPage(
    c,
    "Operator",
    <div class="stub">
      <p>
        <strong>The operator console is not built yet.</strong> The operator API (/admin/v1, with ADMIN_TOKEN) does its work meanwhile.
      </p>
    </div>,
  );
});
