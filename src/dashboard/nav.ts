import type { Permission } from "../services/users";

/** The dashboard's areas, in nav order; a page is listed only to roles with its permission. */
export interface Area {
  path: string;
  label: string;
  permission: Permission;
}

export const AREAS: readonly Area[] = [
  { path: "/dashboard", label: "Overview", permission: "overview" },
  { path: "/dashboard/generations", label: "Generations", permission: "generations" },
  { path: "/dashboard/products", label: "Products", permission: "products" },
  { path: "/dashboard/playground", label: "Playground", permission: "playground" },
  { path: "/dashboard/keys", label: "API keys", permission: "keys" },
  { path: "/dashboard/webhooks", label: "Webhooks", permission: "webhooks" },
  { path: "/dashboard/credits", label: "Credits", permission: "credits" },
  { path: "/dashboard/members", label: "Members", permission: "members" },
  { path: "/dashboard/settings", label: "Settings", permission: "settings" },
];

/** True when `path` is the area's page or one below it (the nav marks it current). */
export function inArea(area: Area, path: string): boolean {
  return area.path === "/dashboard" ? path === "/dashboard" || path === "/dashboard/" : path === area.path || path.startsWith(`${area.path}/`);
}
