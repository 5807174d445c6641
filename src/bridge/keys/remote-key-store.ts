// D1 access for the remote server-key cache (`remote_server_keys`, `remote_server_key_responses`):
// the only SQL the key ring runs.
// Spec: https://spec.matrix.org/latest/server-server-api/#retrieving-server-keys

import type { ServerVerifyKey } from "../../protocol/federation/server-keys";
import type { CachedKeyResponse } from "./key-memo";

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

interface ResponseRow {
	response_json: string;
	key_ids: string;
	valid_until_ts: number;
	fetched_ts: number;
}

/** The last verified self-signed response of a server, exactly as it signed it. */
export async function loadKeyResponse(db: D1Database, serverName: string): Promise<CachedKeyResponse | undefined> {
	const row = await db
		.prepare("SELECT response_json, key_ids, valid_until_ts, fetched_ts FROM remote_server_key_responses WHERE server_name = ?1")
		.bind(serverName)
		.first<ResponseRow>();
	if (!row) return undefined;
	return {
		response: JSON.parse(row.response_json) as Record<string, unknown>,
		keyIds: JSON.parse(row.key_ids) as string[],
		validUntilTs: row.valid_until_ts,
		fetchedTs: row.fetched_ts,
	};
}

/** Keeps the newest response per server (an older fetch finishing late never overwrites a newer one). */
export async function storeKeyResponse(db: D1Database, serverName: string, cached: CachedKeyResponse): Promise<void> {
	await db
		.prepare(
			`INSERT INTO remote_server_key_responses (server_name, response_json, key_ids, valid_until_ts, fetched_ts)
			 VALUES (?1, ?2, ?3, ?4, ?5)
			 ON CONFLICT (server_name) DO UPDATE SET response_json = excluded.response_json, key_ids = excluded.key_ids,
			   valid_until_ts = excluded.valid_until_ts, fetched_ts = excluded.fetched_ts
			 WHERE excluded.fetched_ts >= remote_server_key_responses.fetched_ts`,
		)
		.bind(serverName, JSON.stringify(cached.response), JSON.stringify(cached.keyIds), cached.validUntilTs, cached.fetchedTs)
		.run();
}
