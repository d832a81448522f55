import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../client";
import { accounts, type MemberRole, memberships, users } from "../schema";

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;
export type NewAccountRow = typeof accounts.$inferInsert;

/** A membership with the account's name and status, as the account switcher shows it. */
export interface MembershipWithAccount {
  accountId: string;
  accountName: string;
  accountStatus: "active" | "disabled";
  role: MemberRole;
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.email, email)).get();
}

export async function findUser(db: Db, id: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.id, id)).get();
}

export async function updateUser(db: Db, id: string, patch: Partial<Omit<NewUserRow, "id" | "createdAt">>): Promise<UserRow | undefined> {
  const [row] = await db.update(users).set(patch).where(eq(users.id, id)).returning();
  return row;
}

/** SQLite's words for a unique index refusing a row (D1 passes them through in the error message). */
const isUniqueViolation = (err: unknown) => /UNIQUE constraint failed/i.test(String((err as { cause?: unknown })?.cause ?? err));

/**
 * A new user, optionally with a new account and a membership, in one batch (one transaction): a
 * sign-up never leaves a user without the account it asked for. Returns null when the email is
 * taken (the unique index decides, so of two racing sign-ups exactly one wins).
 */
export async function insertUserWithMembership(
  db: Db,
  user: NewUserRow,
  account: NewAccountRow | null,
  membership: { accountId: string; role: MemberRole } | null,
): Promise<UserRow | null> {
  const now = user.createdAt;
  try {
    const first = db.insert(users).values(user).returning();
    const rest = [
      ...(account ? [db.insert(accounts).values(account)] : []),
      ...(membership ? [db.insert(memberships).values({ ...membership, userId: user.id, createdAt: now, updatedAt: now })] : []),
    ];
    const [inserted] = await db.batch([first, ...rest]);
    return (inserted as UserRow[])[0] ?? null;
  } catch (err) {
    if (isUniqueViolation(err)) return null;
    throw err;
  }
}

/** Every account the user belongs to, oldest membership first (the default current account). */
export async function listMemberships(db: Db, userId: string): Promise<MembershipWithAccount[]> {
  return db
    .select({ accountId: memberships.accountId, accountName: accounts.name, accountStatus: accounts.status, role: memberships.role })
    .from(memberships)
    .innerJoin(accounts, eq(memberships.accountId, accounts.id))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(memberships.createdAt), asc(memberships.accountId))
    .all();
}

/** Adds a membership; an existing one keeps its role (accepting an invite twice changes nothing). */
export async function insertMembership(db: Db, row: { accountId: string; userId: string; role: MemberRole; now: number }): Promise<void> {
  await db
    .insert(memberships)
    .values({ accountId: row.accountId, userId: row.userId, role: row.role, createdAt: row.now, updatedAt: row.now })
    .onConflictDoNothing()
    .run();
}

export async function findMembership(db: Db, accountId: string, userId: string): Promise<MembershipWithAccount | undefined> {
  return db
    .select({ accountId: memberships.accountId, accountName: accounts.name, accountStatus: accounts.status, role: memberships.role })
    .from(memberships)
    .innerJoin(accounts, eq(memberships.accountId, accounts.id))
    .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId)))
    .get();
}
