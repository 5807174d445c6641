// SQL over the UserDO's device_keys, one_time_keys and fallback_keys tables (schema.ts).
// Spec: https://spec.matrix.org/latest/client-server-api/#key-management-api
// Key JSON is stored as the client sent it: it carries the device's signatures.

export type StoredDeviceKeys = {
	device_id: string;
	key_json: string;
	display_name: string | null;
};

export type ClaimedKey = { key_id: string; key_json: string };

export class DeviceKeysStore {
	constructor(private readonly sql: SqlStorage) {}

	getDeviceKeys(deviceId: string): string | null {
		const row = this.sql.exec<{ key_json: string }>("SELECT key_json FROM device_keys WHERE device_id = ?", deviceId).toArray()[0];
		return row?.key_json ?? null;
	}

	setDeviceKeys(deviceId: string, keyJson: string, nowTs: number): void {
		this.sql.exec(
			`INSERT INTO device_keys (device_id, key_json, updated_ts) VALUES (?, ?, ?)
			ON CONFLICT (device_id) DO UPDATE SET key_json = excluded.key_json, updated_ts = excluded.updated_ts`,
			deviceId,
			keyJson,
			nowTs,
		);
	}

	/** Keys of the given devices (all devices when `deviceIds` is empty), with each device's display name. */
	listDeviceKeys(deviceIds: readonly string[]): StoredDeviceKeys[] {
		const rows = this.sql
			.exec<StoredDeviceKeys>(
				`SELECT k.device_id, k.key_json, d.display_name FROM device_keys AS k
				JOIN devices AS d ON d.device_id = k.device_id ORDER BY k.device_id`,
			)
			.toArray();
		if (deviceIds.length === 0) return rows;
		const wanted = new Set(deviceIds);
		return rows.filter((r) => wanted.has(r.device_id));
	}

	getOneTimeKey(deviceId: string, algorithm: string, keyId: string): string | null {
		const row = this.sql
			.exec<{ key_json: string }>(
				"SELECT key_json FROM one_time_keys WHERE device_id = ? AND algorithm = ? AND key_id = ?",
				deviceId,
				algorithm,
				keyId,
			)
			.toArray()[0];
		return row?.key_json ?? null;
	}

	/** Adds a key behind every key the device uploaded before (claims take the oldest first). */
	addOneTimeKey(deviceId: string, algorithm: string, keyId: string, keyJson: string): void {
		this.sql.exec(
			`INSERT INTO one_time_keys (device_id, algorithm, key_id, key_json, upload_seq)
			VALUES (?1, ?2, ?3, ?4, (SELECT COALESCE(MAX(upload_seq), 0) + 1 FROM one_time_keys WHERE device_id = ?1))`,
			deviceId,
			algorithm,
			keyId,
			keyJson,
		);
	}

	/** Removes and returns the device's oldest key of `algorithm` in one statement: no key is handed out twice. */
	takeOneTimeKey(deviceId: string, algorithm: string): ClaimedKey | null {
		const row = this.sql
			.exec<ClaimedKey>(
				`DELETE FROM one_time_keys WHERE device_id = ?1 AND algorithm = ?2 AND key_id = (
					SELECT key_id FROM one_time_keys WHERE device_id = ?1 AND algorithm = ?2 ORDER BY upload_seq, key_id LIMIT 1)
				RETURNING key_id, key_json`,
				deviceId,
				algorithm,
			)
			.toArray()[0];
		return row ?? null;
	}

	getFallbackKey(deviceId: string, algorithm: string): { key_id: string; key_json: string; used: number } | null {
		const row = this.sql
			.exec<{ key_id: string; key_json: string; used: number }>(
				"SELECT key_id, key_json, used FROM fallback_keys WHERE device_id = ? AND algorithm = ?",
				deviceId,
				algorithm,
			)
			.toArray()[0];
		return row ?? null;
	}

	/** One fallback key per algorithm: a new one replaces the old and starts unused. */
	setFallbackKey(deviceId: string, algorithm: string, keyId: string, keyJson: string): void {
		this.sql.exec(
			`INSERT INTO fallback_keys (device_id, algorithm, key_id, key_json, used) VALUES (?, ?, ?, ?, 0)
			ON CONFLICT (device_id, algorithm) DO UPDATE SET key_id = excluded.key_id, key_json = excluded.key_json, used = 0`,
			deviceId,
			algorithm,
			keyId,
			keyJson,
		);
	}

	/** Returns the fallback key and marks it used; it stays until the device replaces it. */
	useFallbackKey(deviceId: string, algorithm: string): ClaimedKey | null {
		const row = this.sql
			.exec<ClaimedKey>(
				"UPDATE fallback_keys SET used = 1 WHERE device_id = ? AND algorithm = ? RETURNING key_id, key_json",
				deviceId,
				algorithm,
			)
			.toArray()[0];
		return row ?? null;
	}
}
