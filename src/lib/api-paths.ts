/**
 * The base paths of the two APIs and of the dashboard, each written once. Everything else derives
 * from them: the router mounts, the route keys middleware looks up, Location
 * headers, signed file URLs and error `docUrl`s.
 */
export const API_BASE = "/tryon/v1";
export const ADMIN_BASE = "/admin/v1";
/** The web app's pages (src/dashboard/). */
export const DASHBOARD_BASE = "/dashboard";

/** An integrator API path: `apiPath("/generations/gen_…")` → `/tryon/v1/generations/gen_…`. */
export function apiPath(path: string): string {
  return `${API_BASE}${path}`;
}
