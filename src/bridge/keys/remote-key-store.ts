// D1 access for the remote server-key cache (`remote_server_keys`): the only SQL the key ring runs.
// Spec: https://spec.matrix.org/latest/server-server-api/#retrieving-server-keys

import type { ServerVerifyKey } from "../../protocol/federation/server-keys";

interface KeyRow {
	server_name: string;
	key_id: string;
	public_key: string;
	valid_until_ts: number;
	expired_ts: number | null;
}

const COLUMNS = "server_name, key_id, public_key, valid_until_ts, expired_ts";

function fromRow(row: KeyRow): ServerVerifyKey {
	return {
		serverName: row.server_name,
		keyId: row.key_id,
		publicKey: row.public_key,
		validUntilTs: row.valid_until_ts,
		expiredTs: row.expired_ts,
	};
}

export async function loadRemoteKey(db: D1Database, serverName: string, keyId: string): Promise<ServerVerifyKey | undefined> {
	const row = await db
		.prepare(`SELECT ${COLUMNS} FROM remote_server_keys WHERE server_name = ?1 AND key_id = ?2`)
		.bind(serverName, keyId)
		.first<KeyRow>();
	return row ? fromRow(row) : undefined;
}

/**
 * Stores the keys of one verified response in one batch (a single D1 transaction).
 * A newer fetch replaces what an older one said about the same key ID, never the reverse.
 */
export async function storeRemoteKeys(db: D1Database, keys: ServerVerifyKey[], fetchedTs: number): Promise<void> {
	if (keys.length === 0) return;
	const upsert = db.prepare(
		`INSERT INTO remote_server_keys (${COLUMNS}, fetched_ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
		 ON CONFLICT (server_name, key_id) DO UPDATE SET
		   public_key = excluded.public_key, valid_until_ts = excluded.valid_until_ts,
		   expired_ts = excluded.expired_ts, fetched_ts = excluded.fetched_ts
		 WHERE excluded.fetched_ts >= remote_server_keys.fetched_ts`,
	);
	await db.batch(keys.map((k) => upsert.bind(k.serverName, k.keyId, k.publicKey, k.validUntilTs, k.expiredTs, fetchedTs)));
}
