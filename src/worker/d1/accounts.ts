// Typed queries on D1 `accounts`: local users, their password hash and flags (migrations/0001_init.sql).
// Spec: https://spec.matrix.org/latest/appendices/#user-identifiers

export interface Account {
	user_id: string;
	localpart: string;
	password_hash: string | null;
	is_admin: boolean;
	is_operator: boolean;
	is_guest: boolean;
	deactivated: boolean;
	created_ts: number;
}

type AccountRow = {
	user_id: string;
	localpart: string;
	password_hash: string | null;
	is_admin: number;
	is_operator: number;
	is_guest: number;
	deactivated: number;
	created_ts: number;
};

export interface NewAccount {
	user_id: string;
	localpart: string;
	password_hash: string | null;
	is_admin?: boolean;
	is_operator?: boolean;
	is_guest?: boolean;
	created_ts: number;
}

function fromRow(row: AccountRow): Account {
	return {
		user_id: row.user_id,
		localpart: row.localpart,
		password_hash: row.password_hash,
		is_admin: row.is_admin === 1,
		is_operator: row.is_operator === 1,
		is_guest: row.is_guest === 1,
		deactivated: row.deactivated === 1,
		created_ts: row.created_ts,
	};
}

export async function getAccount(db: D1Database, userId: string): Promise<Account | null> {
	const row = await db
		.prepare(
			"SELECT user_id, localpart, password_hash, is_admin, is_operator, is_guest, deactivated, created_ts FROM accounts WHERE user_id = ?1",
		)
		.bind(userId)
		.first<AccountRow>();
	return row === null ? null : fromRow(row);
}

/**
 * Creates an account. Returns false if the user ID or localpart is taken (deactivated ones included,
 * since IDs are never reissued), so registration can answer M_USER_IN_USE without a race.
 */
export async function createAccount(db: D1Database, account: NewAccount): Promise<boolean> {
	const result = await db
		.prepare(
			`INSERT INTO accounts (user_id, localpart, password_hash, is_admin, is_operator, is_guest, deactivated, created_ts)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7) ON CONFLICT DO NOTHING`,
		)
		.bind(
			account.user_id,
			account.localpart,
			account.password_hash,
			account.is_admin === true ? 1 : 0,
			account.is_operator === true ? 1 : 0,
			account.is_guest === true ? 1 : 0,
			account.created_ts,
		)
		.run();
	return result.meta.changes > 0;
}

/** Whether the user may act as a lawful-access operator: the flag is set and the account is active. */
export async function isOperator(db: D1Database, userId: string): Promise<boolean> {
	const row = await db
		.prepare("SELECT 1 AS ok FROM accounts WHERE user_id = ?1 AND is_operator = 1 AND deactivated = 0")
		.bind(userId)
		.first<{ ok: number }>();
	return row !== null;
}

/** Replaces the password hash (password change, admin reset). False if the account does not exist. */
export async function setPasswordHash(db: D1Database, userId: string, passwordHash: string): Promise<boolean> {
	const result = await db.prepare("UPDATE accounts SET password_hash = ?1 WHERE user_id = ?2").bind(passwordHash, userId).run();
	return result.meta.changes > 0;
}

/**
 * Marks an account deactivated. The row stays so the user ID is never reissued; the password hash stays
 * too, so login can check the password before it answers M_USER_DEACTIVATED (no account enumeration).
 * Returns false if it was unknown or already deactivated.
 */
export async function deactivateAccount(db: D1Database, userId: string): Promise<boolean> {
	const result = await db.prepare("UPDATE accounts SET deactivated = 1 WHERE user_id = ?1 AND deactivated = 0").bind(userId).run();
	return result.meta.changes > 0;
}

/** Whether a localpart is taken (deactivated accounts included: IDs are never reissued). */
export async function isLocalpartTaken(db: D1Database, localpart: string): Promise<boolean> {
	return (await db.prepare("SELECT 1 AS ok FROM accounts WHERE localpart = ?1").bind(localpart).first<{ ok: number }>()) !== null;
}

/** Every local account, oldest first (the admin CLI's list-users). */
export async function listAccounts(db: D1Database): Promise<Account[]> {
	const { results } = await db
		.prepare("SELECT user_id, localpart, password_hash, is_admin, is_operator, is_guest, deactivated, created_ts FROM accounts ORDER BY created_ts, user_id")
		.all<AccountRow>();
	return results.map(fromRow);
}
