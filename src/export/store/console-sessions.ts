// D1 access for operator console sessions (lawful_console_sessions) and the operator's account check.
// The cookie carries a random token; only its SHA-256 is stored, next to the session's CSRF secret.
// Design: /work/shared/LAWFUL_ACCESS.md#api ("a console page at /_lawful/console")

export interface ConsoleSession {
	user_id: string;
	csrf: string;
	expires_ts: number;
}

export async function insertSession(db: D1Database, hash: string, userId: string, csrf: string, now: number, expires: number): Promise<void> {
	await db.prepare("INSERT INTO lawful_console_sessions (session_hash, user_id, csrf, created_ts, expires_ts) VALUES (?1, ?2, ?3, ?4, ?5)").bind(hash, userId, csrf, now, expires).run();
}

/** The live session of an account that is still an active operator, else null. */
export async function getSession(db: D1Database, hash: string, now: number): Promise<ConsoleSession | null> {
	return db
		.prepare(
			"SELECT s.user_id, s.csrf, s.expires_ts FROM lawful_console_sessions s JOIN accounts a ON a.user_id = s.user_id WHERE s.session_hash = ?1 AND s.expires_ts > ?2 AND a.is_operator = 1 AND a.deactivated = 0",
		)
		.bind(hash, now)
		.first<ConsoleSession>();
}

export async function deleteSession(db: D1Database, hash: string): Promise<void> {
	await db.prepare("DELETE FROM lawful_console_sessions WHERE session_hash = ?1").bind(hash).run();
}

/** The password hash of an active operator account by localpart; null for anyone else. */
export async function operatorPasswordHash(db: D1Database, userId: string): Promise<string | null> {
	const row = await db
		.prepare("SELECT password_hash FROM accounts WHERE user_id = ?1 AND is_operator = 1 AND deactivated = 0")
		.bind(userId)
		.first<{ password_hash: string | null }>();
	return row?.password_hash ?? null;
}
