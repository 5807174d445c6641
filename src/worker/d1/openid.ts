// Typed queries on D1 `openid_tokens` (migrations/0013): tokens a user hands to a third party, which asks
// us over federation who they belong to. Only token hashes are stored, as for access tokens.
// Spec: https://spec.matrix.org/latest/client-server-api/#openid and
// https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1openiduserinfo

import { hashToken } from "../user/access-token";

/** Stores a new token's hash; expired rows are swept on the way, so the table stays small without a job. */
export async function insertOpenIdToken(db: D1Database, token: string, userId: string, nowTs: number, expiresTs: number): Promise<void> {
	const tokenHash = await hashToken(token);
	await db.batch([
		db.prepare("DELETE FROM openid_tokens WHERE expires_ts <= ?1").bind(nowTs),
		db.prepare("INSERT INTO openid_tokens (token_hash, user_id, created_ts, expires_ts) VALUES (?1, ?2, ?3, ?4)").bind(tokenHash, userId, nowTs, expiresTs),
	]);
}

/**
 * The user an unexpired OpenID token was issued to, or null (unknown and expired look the same, as the
 * federation endpoint's 401 M_UNKNOWN_TOKEN needs). For the federation `openid/userinfo` route (a later issue).
 */
export async function lookupOpenIdToken(db: D1Database, token: string, nowTs: number): Promise<string | null> {
	const row = await db
		.prepare("SELECT user_id FROM openid_tokens WHERE token_hash = ?1 AND expires_ts > ?2")
		.bind(await hashToken(token), nowTs)
		.first<{ user_id: string }>();
	return row?.user_id ?? null;
}
