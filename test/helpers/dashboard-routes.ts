import { AREAS } from "../../src/dashboard/nav";
import type { Permission } from "../../src/services/users";

/**
 * The ONE list of the dashboard's routes, with who may use each. Every quality harness reads it:
 * the dashboard auth matrix (test/dashboard/auth-matrix.test.ts, which fails when a served
 * dashboard route is missing here), the API auth matrix (the two together must cover every
 * served route), the form fuzz, the browser's accessibility and layout runs, the bench and the
 * screenshots. A new page is covered by all of them once its routes are added here; an area of
 * the nav (src/dashboard/nav.ts) is added automatically.
 *
 * Pure data (no workerd import): Node scripts load it too, through tsx.
 */

/**
 * - `public`: served signed out (sign-in, sign-up, links from emails).
 * - `member`: needs a session; `permission` (when set) is the role permission it needs.
 * - `operator`: the operator console: not found for anyone but an operator.
 * - `dev`: development-only pages (no sign-in; 404 in a deployment).
 */
export type Access = "public" | "member" | "operator" | "dev";

/** Ids of the fixture a consumer created, by route parameter name (`:keyId` → ids.keyId). */
export type RouteIds = Record<string, string>;

export interface DashRoute {
  access: Access;
  permission?: Permission;
  /** A GET that renders a page: audited for accessibility and layout, rendered by the bench. */
  page?: boolean;
  /** The path to request (its query included); parameters are filled from the consumer's ids. Default: the pattern. */
  example?: string;
  /** POST: the fields of a successful form (the CSRF token is added by the sender). */
  form?: (ids: RouteIds) => Record<string, string>;
  /** The status its intended user gets (a signed-in owner; signed out for public pages). */
  ok: number;
  /** The status a signed-in visitor gets when it differs (signed in, sign-in and sign-up redirect to the dashboard). */
  signedInOk?: number;
  /** Changes state a later sample needs (sign-out, revoke): matrices run it last, on its own session. */
  destructive?: boolean;
  /** Answers JSON (a passkey ceremony's options for the page's script), not a page; its refusals are still pages. */
  json?: boolean;
}

const areaRoutes: Record<string, DashRoute> = Object.fromEntries(
  AREAS.map((a) => [`GET ${a.path}`, { access: "member", permission: a.permission, page: true, ok: 200 } satisfies DashRoute]),
);

export const DASHBOARD_ROUTES: Record<string, DashRoute> = {
  // Signed-out pages.
  "GET /dashboard/sign-in": { access: "public", page: true, ok: 200, signedInOk: 303 },
  "POST /dashboard/sign-in": { access: "public", form: (ids) => ({ email: ids.email ?? "", password: ids.password ?? "" }), ok: 303 },
  "GET /dashboard/sign-up": { access: "public", page: true, ok: 200, signedInOk: 303 },
  "POST /dashboard/sign-up": {
    access: "public",
    form: (ids) => ({ email: `new-${ids.nonce ?? "x"}@example.com`, password: ids.password ?? "", accountName: "Matrix new" }),
    ok: 200,
  },
  "GET /dashboard/forgot-password": { access: "public", page: true, ok: 200 },
  "POST /dashboard/forgot-password": { access: "public", form: (ids) => ({ email: ids.email ?? "" }), ok: 200 },
  // Without a live token the page explains the link is dead (what a stale email link shows).
  "GET /dashboard/reset-password": { access: "public", page: true, example: "/dashboard/reset-password?token=expired", ok: 400 },
  "POST /dashboard/reset-password": { access: "public", form: () => ({ token: "expired", password: "unused-Strong-pass-31" }), ok: 400 },
  "GET /dashboard/verify-email": { access: "public", page: true, example: "/dashboard/verify-email?token=expired", ok: 400 },
  "POST /dashboard/sign-out": { access: "public", form: () => ({}), ok: 303, destructive: true },
  "GET /dashboard/dev/outbox": { access: "dev", page: true, ok: 200 },
  "GET /dashboard/app.css": { access: "public", ok: 200 },
  "GET /dashboard/app.js": { access: "public", ok: 200 },
  "GET /dashboard/samples/person.jpg": { access: "public", ok: 200 },
  "GET /dashboard/samples/garment.png": { access: "public", ok: 200 },

  // Signed-in pages outside the nav.
  "GET /dashboard/account": { access: "member", page: true, ok: 200 },
  "POST /dashboard/verify-email/resend": { access: "member", form: () => ({}), ok: 303 },
  "POST /dashboard/sign-out-everywhere": { access: "member", form: () => ({}), ok: 303, destructive: true },
  "POST /dashboard/switch-account": { access: "member", form: (ids) => ({ accountId: ids.accountId ?? "", next: "/dashboard/keys" }), ok: 303 },
  // The test-mode switch (docs/test-mode.md): it changes what the session's later pages show, so it runs on its own session.
  "POST /dashboard/mode": { access: "member", form: () => ({ mode: "test", next: "/dashboard/keys" }), ok: 303, destructive: true },
  "POST /dashboard/invites/accept": { access: "member", form: () => ({ invite: "expired" }), ok: 400 },

  // Passkeys. A ceremony's options are JSON for the page's script. Finishing one needs an
  // authenticator's signature over a live challenge (test/dashboard/passkeys.test.ts does it with a
  // software authenticator); a form cannot sign, so the matrix sends a dead challenge and expects
  // the refusal a user with a stale ceremony sees.
  "POST /dashboard/passkeys/options": { access: "member", form: () => ({}), ok: 200, json: true },
  "POST /dashboard/passkeys": { access: "member", form: () => ({ name: "matrix", challengeId: "expired", credential: "{}" }), ok: 400 },
  // The fixture's passkey (of the account's first owner).
  "POST /dashboard/passkeys/:passkeyId/remove": { access: "member", form: () => ({}), ok: 303, destructive: true },
  "POST /dashboard/reauth/passkey/options": { access: "member", form: () => ({}), ok: 200, json: true },
  // Back to `next` with a notice that the passkey could not be verified.
  "POST /dashboard/reauth/passkey": { access: "member", form: () => ({ challengeId: "expired", credential: "{}", next: "/dashboard/account" }), ok: 303 },
  "POST /dashboard/sign-in/passkey/options": { access: "public", form: () => ({}), ok: 200, json: true },
  "POST /dashboard/sign-in/passkey": { access: "public", form: () => ({ challengeId: "expired", credential: "{}", next: "/dashboard" }), ok: 401 },

  // The operator console: an operator user, or an ADMIN_TOKEN session from its own sign-in page.
  "GET /dashboard/operator/sign-in": { access: "public", page: true, ok: 200 },
  // The right token opens a console session in this browser (its own, so the owner stays a non-operator).
  "POST /dashboard/operator/sign-in": { access: "public", form: (ids) => ({ token: ids.adminToken ?? "" }), ok: 303, destructive: true },
  "GET /dashboard/operator": { access: "operator", page: true, ok: 200 },
  "POST /dashboard/operator/accounts": { access: "operator", form: (ids) => ({ name: `Operator made ${ids.nonce ?? "x"}`, owner: "" }), ok: 303 },
  "GET /dashboard/operator/accounts/:accountId": { access: "operator", page: true, ok: 200 },
  "POST /dashboard/operator/accounts/:accountId/credits": {
    access: "operator",
    form: (ids) => ({ amount: "5", reason: "matrix grant", reference: `matrix:${ids.nonce ?? "x"}` }),
    ok: 303,
  },
  "POST /dashboard/operator/accounts/:accountId/invite": { access: "operator", form: (ids) => ({ owner: `owner-${ids.nonce ?? "x"}@example.com` }), ok: 303 },
  // Enabling an active account: the status form without taking the account down for later samples.
  "POST /dashboard/operator/accounts/:accountId/status": { access: "operator", form: () => ({ status: "active" }), ok: 303 },
  "POST /dashboard/operator/maintenance": { access: "operator", form: () => ({ enabled: "false" }), ok: 303 },
  "POST /dashboard/operator/sign-out": { access: "operator", form: () => ({}), ok: 303, destructive: true },

  // The nav's areas, and their forms.
  ...areaRoutes,
  "POST /dashboard/keys": { access: "member", permission: "keys", form: () => ({ name: "matrix", rateLimitPerMinute: "", spendCap: "" }), ok: 201 },
  // Live mode (the owner's default) refuses to erase test data: 409, nothing deleted.
  "POST /dashboard/test-data/delete": { access: "member", permission: "keys", form: () => ({}), ok: 409 },
  // A free test-mode run with the sample photos.
  "POST /dashboard/playground": { access: "member", permission: "playground", form: () => ({ personSample: "on", garmentSample: "on", test: "on" }), ok: 303 },
  "GET /dashboard/playground/:generationId": { access: "member", permission: "playground", example: "/dashboard/playground/gen_none", ok: 404 },
  "POST /dashboard/keys/:keyId/revoke": { access: "member", permission: "keys", form: () => ({}), ok: 303, destructive: true },
  "GET /dashboard/keys/:keyId/roll": { access: "member", permission: "keys", page: true, ok: 200 },
  // A rolled key cannot be rolled again (its overlap already runs).
  "POST /dashboard/keys/:keyId/roll": { access: "member", permission: "keys", form: () => ({ overlapHours: "24" }), ok: 201, destructive: true },

  // Generations: the fixture's finished generation (cancelling it is refused with a notice, back on its page).
  "GET /dashboard/generations/:id": { access: "member", permission: "generations", page: true, example: "/dashboard/generations/:generationId", ok: 200 },
  "POST /dashboard/generations/:id/cancel": {
    access: "member",
    permission: "generations",
    example: "/dashboard/generations/:generationId/cancel",
    form: () => ({}),
    ok: 303,
  },

  // Products: the fixture's product.
  "GET /dashboard/products/:externalId": { access: "member", permission: "products", page: true, ok: 200 },
  "POST /dashboard/products/:externalId/delete": { access: "member", permission: "products", form: () => ({}), ok: 303, destructive: true },

  // Webhooks: the fixture's endpoint and the delivery its generation made.
  "POST /dashboard/webhooks": {
    access: "member",
    permission: "webhooks",
    form: () => ({ url: "https://hooks.example.com/matrix", description: "", "event:generation.completed": "on" }),
    ok: 201,
  },
  "POST /dashboard/webhooks/deliveries/:deliveryId/retry": { access: "member", permission: "webhooks", form: () => ({ back: "/dashboard/webhooks" }), ok: 303 },
  "GET /dashboard/webhooks/:id": { access: "member", permission: "webhooks", page: true, example: "/dashboard/webhooks/:endpointId", ok: 200 },
  "POST /dashboard/webhooks/:id": {
    access: "member",
    permission: "webhooks",
    example: "/dashboard/webhooks/:endpointId",
    form: () => ({ url: "https://hooks.example.com/drape", description: "edited", "event:generation.completed": "on", enabled: "on" }),
    ok: 303,
  },
  "POST /dashboard/webhooks/:id/test": { access: "member", permission: "webhooks", example: "/dashboard/webhooks/:endpointId/test", form: () => ({}), ok: 303 },
  "POST /dashboard/webhooks/:id/rotate": {
    access: "member",
    permission: "webhooks",
    example: "/dashboard/webhooks/:endpointId/rotate",
    form: () => ({ overlapHours: "24" }),
    ok: 303,
  },
  // A fresh sign-in counts as recent authentication: the owner sees the secret straight away.
  "GET /dashboard/webhooks/:id/secret": { access: "member", permission: "webhooks", page: true, example: "/dashboard/webhooks/:endpointId/secret", ok: 200 },
  "POST /dashboard/webhooks/:id/secret": {
    access: "member",
    permission: "webhooks",
    example: "/dashboard/webhooks/:endpointId/secret",
    form: (ids) => ({ password: ids.password ?? "" }),
    ok: 303,
  },
  "POST /dashboard/webhooks/:id/delete": {
    access: "member",
    permission: "webhooks",
    example: "/dashboard/webhooks/:endpointId/delete",
    form: () => ({}),
    ok: 303,
    destructive: true,
  },

  // Members (owners only): the fixture's pending invite and its second member (a developer).
  "POST /dashboard/members/invite": {
    access: "member",
    permission: "members",
    form: (ids) => ({ email: `invitee-${ids.nonce ?? "x"}@example.com`, role: "developer" }),
    ok: 303,
  },
  "POST /dashboard/members/invites/:inviteId/revoke": { access: "member", permission: "members", form: () => ({}), ok: 303, destructive: true },
  "POST /dashboard/members/:userId/role": { access: "member", permission: "members", form: () => ({ role: "developer" }), ok: 303 },
  "POST /dashboard/members/:userId/remove": { access: "member", permission: "members", form: () => ({}), ok: 303, destructive: true },

  // Settings (owners only).
  "POST /dashboard/settings": { access: "member", permission: "settings", form: () => ({ name: "Matrix Co", retentionDays: "3" }), ok: 303 },
  // The watermark logo: the matrix's form carries no file, so the page answers with the field's error.
  "POST /dashboard/settings/logo": { access: "member", permission: "settings", form: () => ({}), ok: 400 },
  "POST /dashboard/settings/logo/remove": { access: "member", permission: "settings", form: () => ({}), ok: 303 },
  "POST /dashboard/settings/engines": { access: "member", permission: "settings", form: () => ({ engine1: "composite" }), ok: 303 },
  "GET /dashboard/settings/webhook-secret": { access: "member", permission: "settings", page: true, ok: 200 },
  "POST /dashboard/settings/webhook-secret": { access: "member", permission: "settings", form: (ids) => ({ password: ids.password ?? "" }), ok: 303 },
  "POST /dashboard/settings/webhook-secret/rotate": { access: "member", permission: "settings", form: () => ({ overlapHours: "24" }), ok: 303 },
  // An end user the fixtures never name: the erasure runs and reports nothing found.
  "POST /dashboard/settings/erase": {
    access: "member",
    permission: "settings",
    form: (ids) => ({ externalUserId: `erase-${ids.nonce ?? "x"}`, confirmExternalUserId: `erase-${ids.nonce ?? "x"}` }),
    ok: 200,
  },
};

/** The concrete path of a route (its example, else its pattern) with its parameters filled from `ids`. */
export function routePath(key: string, ids: RouteIds = {}): string {
  const route = DASHBOARD_ROUTES[key];
  if (!route) throw new Error(`${key} is not in DASHBOARD_ROUTES (test/helpers/dashboard-routes.ts)`);
  const pattern = route.example ?? key.slice(key.indexOf(" ") + 1);
  return pattern.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const id = ids[name];
    if (id === undefined) throw new Error(`${key}: no fixture id for :${name}; give the harness one`);
    return encodeURIComponent(id);
  });
}

/** The pages (GET, HTML) to audit, as `{ key, path, access }`, parameters filled from `ids`. */
export function dashboardPages(ids: RouteIds = {}): Array<{ key: string; path: string; access: Access; status: number }> {
  return Object.entries(DASHBOARD_ROUTES)
    .filter(([, r]) => r.page)
    .map(([key, r]) => ({ key, path: routePath(key, ids), access: r.access, status: r.ok }));
}
