// D1 access for our own generated signing keys (table server_signing_keys, migrations/0002_server_keys.sql);
// remote servers' keys live elsewhere (the key ring).
// Spec: https://spec.matrix.org/latest/server-server-api/#publishing-keys

export interface StoredKey {
	key_id: string;
	/** Unpadded base64 of the 32-byte seed. */
	seed: string;
	created_ts: number;
	expired_ts: number | null;
}

export async function selectKeys(db: D1Database): Promise<StoredKey[]> {
	const { results } = await db.prepare("SELECT key_id, seed, created_ts, expired_ts FROM server_signing_keys ORDER BY created_ts").all<StoredKey>();
	return results;
}

/**
 * Inserts `key` as the current key unless one exists already (the one-current unique index conflicts),
 * then returns whichever current key won. Two isolates racing through a first start get the same row.
 */
export async function insertCurrentKeyIfNone(db: D1Database, key: Omit<StoredKey, "expired_ts">): Promise<StoredKey> {
	const [, selected] = await db.batch<StoredKey>([
		db
			.prepare("INSERT INTO server_signing_keys (key_id, seed, created_ts, expired_ts) VALUES (?1, ?2, ?3, NULL) ON CONFLICT DO NOTHING")
			.bind(key.key_id, key.seed, key.created_ts),
		db.prepare("SELECT key_id, seed, created_ts, expired_ts FROM server_signing_keys WHERE expired_ts IS NULL"),
	]);
	const current = selected?.results[0];
	if (!current) throw new Error("no current signing key after insert");
	return current;
}

/** Retires the current key at `now` and makes `next` current, in one transaction. */
export async function replaceCurrentKey(db: D1Database, next: Omit<StoredKey, "expired_ts">, now: number): Promise<void> {
	await db.batch([
		db.prepare("UPDATE server_signing_keys SET expired_ts = ?1 WHERE expired_ts IS NULL").bind(now),
		db
			.prepare("INSERT INTO server_signing_keys (key_id, seed, created_ts, expired_ts) VALUES (?1, ?2, ?3, NULL)")
			.bind(next.key_id, next.seed, next.created_ts),
	]);
}
