/**
 * How long person photos and results are kept, in days: the only choices an
 * account, an upload or a try-on may make (the R2 prefixes r1d/r3d/r7d follow
 * them). Every schema, default and check derives from this list.
 */
export const KEEP_FOR_DAYS_CHOICES = [1, 3, 7] as const;
export type KeepForDays = (typeof KEEP_FOR_DAYS_CHOICES)[number];

/** The deployment's default when DEFAULT_RETENTION_DAYS is not set (and a new account's window). */
export const DEFAULT_KEEP_FOR_DAYS: KeepForDays = 7;

/** The choices as multipart text fields carry them ("1", "3", "7"). */
export const KEEP_FOR_DAYS_TEXT = KEEP_FOR_DAYS_CHOICES.map(String) as [`${KeepForDays}`, ...`${KeepForDays}`[]];

export function isKeepForDays(value: unknown): value is KeepForDays {
  return (KEEP_FOR_DAYS_CHOICES as readonly unknown[]).includes(value);
}

/**
 * The default-retention rule, for a request that chose nothing: the account's
 * window when it is one of the choices, else the deployment's
 * DEFAULT_RETENTION_DAYS.
 */
export function defaultKeepForDays(accountRetentionDays: number, deploymentDefault: KeepForDays): KeepForDays {
  return isKeepForDays(accountRetentionDays) ? accountRetentionDays : deploymentDefault;
}
