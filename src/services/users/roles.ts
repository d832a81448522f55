import type { MemberRole } from "../../db/schema";

export type { MemberRole };

/** The dashboard's areas, as permissions a role has or lacks. */
export const PERMISSIONS = ["overview", "keys", "generations", "products", "webhooks", "playground", "credits", "members", "settings"] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Owners can do everything; developers everything but members and account settings. */
const ROLE_PERMISSIONS: Record<MemberRole, ReadonlySet<Permission>> = {
  owner: new Set(PERMISSIONS),
  developer: new Set(PERMISSIONS.filter((p) => p !== "members" && p !== "settings")),
};

export function can(role: MemberRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}
