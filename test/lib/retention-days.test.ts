import { describe, expect, it } from "vitest";
import { defaultKeepForDays, isKeepForDays, KEEP_FOR_DAYS_CHOICES, KEEP_FOR_DAYS_TEXT } from "../../src/lib/retention-days";
import { KeepForDaysSchema } from "../../src/schemas/common";
import { RETENTION_CLASSES } from "../../src/services/images";

describe("retention days: one list of choices", () => {
  it("every form of the choices derives from the one list", () => {
    expect(KEEP_FOR_DAYS_CHOICES).toEqual([1, 3, 7]);
    expect(KEEP_FOR_DAYS_TEXT).toEqual(["1", "3", "7"]);
    expect(RETENTION_CLASSES).toEqual(["r1d", "r3d", "r7d", "keep"]);
    for (const d of KEEP_FOR_DAYS_CHOICES) expect(KeepForDaysSchema.parse(d)).toBe(d);
    for (const d of [0, 2, 5, 30, "7", null]) expect(KeepForDaysSchema.safeParse(d).success).toBe(false);
  });

  it("the default rule: the account's window when it is a choice, else the deployment's default", () => {
    expect(defaultKeepForDays(3, 7)).toBe(3);
    expect(defaultKeepForDays(5, 7)).toBe(7);
    expect(defaultKeepForDays(0, 1)).toBe(1);
    expect(isKeepForDays(7)).toBe(true);
    expect(isKeepForDays("7")).toBe(false);
  });
});
