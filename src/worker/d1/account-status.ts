// Typed queries on the account moderation flags in D1 `accounts` (migrations/0013): locked and suspended.
// Spec: https://spec.matrix.org/latest/client-server-api/#account-moderation

export interface AccountStatus {
	is_admin: boolean;
	deactivated: boolean;
	locked: boolean;
	suspended: boolean;
}

type StatusRow = { is_admin: number; deactivated: number; locked: number; suspended: number };

/** The account's admin, deactivation and moderation flags, or null for an unknown user. */
export async function getAccountStatus(db: D1Database, userId: string): Promise<AccountStatus | null> {
	const row = await db.prepare("SELECT is_admin, deactivated, locked, suspended FROM accounts WHERE user_id = ?1").bind(userId).first<StatusRow>();
	if (row === null) return null;
	return { is_admin: row.is_admin === 1, deactivated: row.deactivated === 1, locked: row.locked === 1, suspended: row.suspended === 1 };
}

export type ModerationFlag = "locked" | "suspended";

/** Sets one flag on an active account; false if the account is unknown or deactivated. */
export async function setModerationFlag(db: D1Database, userId: string, flag: ModerationFlag, value: boolean): Promise<boolean> {
	// The column name comes from the closed ModerationFlag union, never from input.
	const column = flag === "locked" ? "locked" : "suspended";
	const result = await db
		.prepare(`UPDATE accounts SET ${column} = ?1 WHERE user_id = ?2 AND deactivated = 0`)
		.bind(value ? 1 : 0, userId)
		.run();
	return result.meta.changes > 0;
}
