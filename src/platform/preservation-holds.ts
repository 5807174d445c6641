// Whether a lawful-access preservation hold names a user (LAWFUL_ACCESS.md "Preservation"): a hold
// suspends purges and deactivation erasure of that user's metadata. Shared because the export code
// creates holds and the worker's deactivation must respect them.

export async function isUserHeld(db: D1Database, userId: string, now: number): Promise<boolean> {
	const row = await db
		.prepare("SELECT 1 AS ok FROM lawful_holds WHERE target_user = ?1 AND released_ts IS NULL AND expires_ts > ?2 LIMIT 1")
		.bind(userId, now)
		.first<{ ok: number }>();
	return row !== null;
}
