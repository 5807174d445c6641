// Typed queries on D1 `uia_sessions` (migrations/0004_uia_sessions.sql): the stages a client has completed
// in one User-Interactive Authentication session.
// Spec: https://spec.matrix.org/latest/client-server-api/#user-interactive-authentication-api

export interface UiaSession {
	session_id: string;
	action: string;
	user_id: string | null;
	completed: string[];
	registration_token: string | null;
	created_ts: number;
}

type UiaSessionRow = Omit<UiaSession, "completed"> & { completed: string };

/** A session unused for this long is forgotten; the client then starts again (Synapse uses the same order). */
export const UIA_SESSION_LIFETIME_MS = 30 * 60 * 1000;

function fromRow(row: UiaSessionRow): UiaSession {
	const parsed: unknown = JSON.parse(row.completed);
	const completed = Array.isArray(parsed) ? parsed.filter((s): s is string => typeof s === "string") : [];
	return { ...row, completed };
}

export async function createUiaSession(db: D1Database, session: Omit<UiaSession, "completed" | "registration_token">): Promise<void> {
	await db
		.prepare("INSERT INTO uia_sessions (session_id, action, user_id, completed, created_ts) VALUES (?1, ?2, ?3, '[]', ?4)")
		.bind(session.session_id, session.action, session.user_id, session.created_ts)
		.run();
}

/** The session, unless unknown or older than UIA_SESSION_LIFETIME_MS. */
export async function getUiaSession(db: D1Database, sessionId: string, nowTs: number): Promise<UiaSession | null> {
	const row = await db
		.prepare("SELECT session_id, action, user_id, completed, registration_token, created_ts FROM uia_sessions WHERE session_id = ?1 AND created_ts > ?2")
		.bind(sessionId, nowTs - UIA_SESSION_LIFETIME_MS)
		.first<UiaSessionRow>();
	return row === null ? null : fromRow(row);
}

/**
 * Records a completed stage, only if the session still has exactly the stages the caller saw, so two
 * concurrent attempts cannot both advance it. Returns false when another request got there first.
 */
export async function addCompletedStage(db: D1Database, sessionId: string, seen: readonly string[], stage: string): Promise<boolean> {
	const result = await db
		.prepare("UPDATE uia_sessions SET completed = ?1 WHERE session_id = ?2 AND completed = ?3")
		.bind(JSON.stringify([...seen, stage]), sessionId, JSON.stringify(seen))
		.run();
	return result.meta.changes > 0;
}

/** Notes the registration token whose pending use this session holds (released or consumed later). */
export async function setSessionRegistrationToken(db: D1Database, sessionId: string, token: string): Promise<void> {
	await db.prepare("UPDATE uia_sessions SET registration_token = ?1 WHERE session_id = ?2").bind(token, sessionId).run();
}

/** Ends a session (a completed session authorises exactly one request); returns it, or null if already gone. */
export async function deleteUiaSession(db: D1Database, sessionId: string): Promise<UiaSession | null> {
	const row = await db
		.prepare("DELETE FROM uia_sessions WHERE session_id = ?1 RETURNING session_id, action, user_id, completed, registration_token, created_ts")
		.bind(sessionId)
		.first<UiaSessionRow>();
	return row === null ? null : fromRow(row);
}

/**
 * Forgets expired sessions, giving back the pending token uses they held (the spec: "pending" counts
 * uses in sessions that have not completed; an abandoned session must not use up a token).
 */
export async function purgeExpiredUiaSessions(db: D1Database, nowTs: number): Promise<void> {
	const cutoff = nowTs - UIA_SESSION_LIFETIME_MS;
	await db.batch([
		db
			.prepare(
				`UPDATE registration_tokens SET pending = pending - (
					SELECT COUNT(*) FROM uia_sessions s WHERE s.registration_token = registration_tokens.token AND s.created_ts <= ?1
				) WHERE token IN (SELECT registration_token FROM uia_sessions WHERE created_ts <= ?1 AND registration_token IS NOT NULL)`,
			)
			.bind(cutoff),
		db.prepare("DELETE FROM uia_sessions WHERE created_ts <= ?1").bind(cutoff),
	]);
}
