// Typed queries on D1 `registration_tokens` (migrations/0001_init.sql): who may register while registration
// is closed. `pending` counts uses held by unfinished UIA sessions, `completed` finished registrations.
// Spec: https://spec.matrix.org/latest/client-server-api/#token-authenticated-registration

import type { RegistrationTokenCounts } from "../../protocol/uia/registration-token";

export interface RegistrationToken extends RegistrationTokenCounts {
	token: string;
	created_ts: number;
}

export async function getRegistrationToken(db: D1Database, token: string): Promise<RegistrationToken | null> {
	return db
		.prepare("SELECT token, uses_allowed, pending, completed, expiry_ts, created_ts FROM registration_tokens WHERE token = ?1")
		.bind(token)
		.first<RegistrationToken>();
}

/** False if the token already exists. */
export async function createRegistrationToken(db: D1Database, token: Omit<RegistrationToken, "pending" | "completed">): Promise<boolean> {
	const result = await db
		.prepare("INSERT INTO registration_tokens (token, uses_allowed, expiry_ts, created_ts) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING")
		.bind(token.token, token.uses_allowed, token.expiry_ts, token.created_ts)
		.run();
	return result.meta.changes > 0;
}

/**
 * Takes one pending use if the token is still usable, in a single statement so that two registrations
 * racing for the last use cannot both get it (the same condition as isRegistrationTokenUsable).
 */
export async function reserveRegistrationToken(db: D1Database, token: string, nowTs: number): Promise<boolean> {
	const result = await db
		.prepare(
			`UPDATE registration_tokens SET pending = pending + 1 WHERE token = ?1
			AND (expiry_ts IS NULL OR expiry_ts > ?2) AND (uses_allowed IS NULL OR pending + completed < uses_allowed)`,
		)
		.bind(token, nowTs)
		.run();
	return result.meta.changes > 0;
}

/** A registration that held a pending use finished: the use becomes completed. */
export async function completeRegistrationTokenUse(db: D1Database, token: string): Promise<void> {
	await db.prepare("UPDATE registration_tokens SET pending = MAX(pending - 1, 0), completed = completed + 1 WHERE token = ?1").bind(token).run();
}

/** A registration that held a pending use failed after UIA: give the use back. */
export async function releaseRegistrationTokenUse(db: D1Database, token: string): Promise<void> {
	await db.prepare("UPDATE registration_tokens SET pending = MAX(pending - 1, 0) WHERE token = ?1").bind(token).run();
}

export async function listRegistrationTokens(db: D1Database): Promise<RegistrationToken[]> {
	const { results } = await db
		.prepare("SELECT token, uses_allowed, pending, completed, expiry_ts, created_ts FROM registration_tokens ORDER BY created_ts")
		.all<RegistrationToken>();
	return results;
}
