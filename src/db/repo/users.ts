import { and, asc, eq, ne, or, sql } from "drizzle-orm";
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

/** A member of an account, as the members page lists them. */
export interface AccountMember {
  userId: string;
  email: string;
  role: MemberRole;
  createdAt: number;
}

/** Oldest member first. */
export async function listAccountMembers(db: Db, accountId: string): Promise<AccountMember[]> {
  return db
    .select({ userId: memberships.userId, email: users.email, role: memberships.role, createdAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(memberships.userId, users.id))
    .where(eq(memberships.accountId, accountId))
    .orderBy(asc(memberships.createdAt), asc(memberships.userId))
    .all();
}

/**
 * True while the account keeps another owner besides `userId`: the condition of every write that
 * could take an owner away. It is part of the write's own statement, so two owners demoting each
 * other at once cannot both succeed (SQLite runs one statement at a time).
 */
const anotherOwnerRemains = (accountId: string, userId: string) =>
  sql`(select count(*) from ${memberships} m2 where m2.account_id = ${accountId} and m2.role = 'owner' and m2.user_id <> ${userId}) > 0`;

/**
 * Changes a member's role in one conditional UPDATE: an owner loses the role only while another
 * owner remains. "not-found": no such member; "last-owner": refused, nothing changed.
 */
export async function changeMembershipRole(
  db: Db,
  accountId: string,
  userId: string,
  role: MemberRole,
  now: number,
): Promise<{ ok: true; previous: MemberRole } | { ok: false; reason: "not-found" | "last-owner" }> {
  const before = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId)))
    .get();
  if (!before) return { ok: false, reason: "not-found" };
  const rows = await db
    .update(memberships)
    .set({ role, updatedAt: now })
    .where(
      and(
        eq(memberships.accountId, accountId),
        eq(memberships.userId, userId),
        role === "owner" ? undefined : or(ne(memberships.role, "owner"), anotherOwnerRemains(accountId, userId)),
      ),
    )
    .returning({ role: memberships.role });
  if (rows.length > 0) return { ok: true, previous: before.role };
  const still = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId)))
    .get();
  return { ok: false, reason: still ? "last-owner" : "not-found" };
}

/** Removes a member in one conditional DELETE: the last owner stays. */
export async function deleteMembership(db: Db, accountId: string, userId: string): Promise<{ ok: true } | { ok: false; reason: "not-found" | "last-owner" }> {
  const rows = await db
    .delete(memberships)
    .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId), or(ne(memberships.role, "owner"), anotherOwnerRemains(accountId, userId))))
    .returning({ userId: memberships.userId });
  if (rows.length > 0) return { ok: true };
  const still = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId)))
    .get();
  return { ok: false, reason: still ? "last-owner" : "not-found" };
}
