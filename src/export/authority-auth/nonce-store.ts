// The single use of RFC 9421 nonces (D1 lawful_request_nonces, migrations/0010): a verified request's
// (kid, nonce) is recorded until its expires has passed; a second use is a replay.
// Design: issue 5 interfaces ("A nonce is used once"), LAWFUL_ACCESS.md "Delivery".

/** Records the nonce; false when this key used it before. Also forgets nonces whose signatures have expired. */
export async function useNonce(db: D1Database, kid: string, nonce: string, expiresMs: number, now: number): Promise<boolean> {
	const [, inserted] = await db.batch([
		db.prepare("DELETE FROM lawful_request_nonces WHERE expires_ts < ?1").bind(now - 60_000),
		db.prepare("INSERT INTO lawful_request_nonces (kid, nonce, expires_ts) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING").bind(kid, nonce, expiresMs),
	]);
	return (inserted?.meta.changes ?? 0) === 1;
}
