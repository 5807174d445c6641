// SQL over the UserDO's key_backup_versions and key_backup_keys tables (schema.ts).
// Spec: https://spec.matrix.org/latest/client-server-api/#server-side-key-backups
// A deleted version keeps its row (deleted = 1) so DELETE stays idempotent and version numbers never repeat.

import type { BackupKey } from "../../../protocol/e2ee/key-backup";
import type { JsonObject } from "../../../protocol/events/pdu";

export type BackupVersionRow = { version: number; algorithm: string; auth_data: string; etag: number; deleted: number };

type KeyRow = {
	room_id: string;
	session_id: string;
	first_message_index: number;
	forwarded_count: number;
	is_verified: number;
	session_data: string;
};

export interface StoredBackupKey {
	roomId: string;
	sessionId: string;
	key: BackupKey;
}

function toKey(r: KeyRow): StoredBackupKey {
	return {
		roomId: r.room_id,
		sessionId: r.session_id,
		key: {
			first_message_index: r.first_message_index,
			forwarded_count: r.forwarded_count,
			is_verified: r.is_verified === 1,
			session_data: JSON.parse(r.session_data) as JsonObject,
		},
	};
}

export class KeyBackupStore {
	constructor(private readonly sql: SqlStorage) {}

	createVersion(algorithm: string, authData: string): number {
		return this.sql
			.exec<{ version: number }>("INSERT INTO key_backup_versions (algorithm, auth_data) VALUES (?, ?) RETURNING version", algorithm, authData)
			.one().version;
	}

	/** The newest version that is not deleted: "the current backup". */
	currentVersion(): BackupVersionRow | null {
		return (
			this.sql.exec<BackupVersionRow>("SELECT * FROM key_backup_versions WHERE deleted = 0 ORDER BY version DESC LIMIT 1").toArray()[0] ??
			null
		);
	}

	getVersion(version: number): BackupVersionRow | null {
		return this.sql.exec<BackupVersionRow>("SELECT * FROM key_backup_versions WHERE version = ?", version).toArray()[0] ?? null;
	}

	setAuthData(version: number, authData: string): void {
		this.sql.exec("UPDATE key_backup_versions SET auth_data = ? WHERE version = ?", authData, version);
	}

	/** Marks the version deleted and drops its keys. */
	deleteVersion(version: number): void {
		this.sql.exec("DELETE FROM key_backup_keys WHERE version = ?", version);
		this.sql.exec("UPDATE key_backup_versions SET deleted = 1 WHERE version = ?", version);
	}

	bumpEtag(version: number): void {
		this.sql.exec("UPDATE key_backup_versions SET etag = etag + 1 WHERE version = ?", version);
	}

	count(version: number): number {
		return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM key_backup_keys WHERE version = ?", version).one().n;
	}

	getKey(version: number, roomId: string, sessionId: string): StoredBackupKey | null {
		const row = this.sql
			.exec<KeyRow>("SELECT * FROM key_backup_keys WHERE version = ? AND room_id = ? AND session_id = ?", version, roomId, sessionId)
			.toArray()[0];
		return row === undefined ? null : toKey(row);
	}

	putKey(version: number, roomId: string, sessionId: string, key: BackupKey): void {
		this.sql.exec(
			`INSERT INTO key_backup_keys (version, room_id, session_id, first_message_index, forwarded_count, is_verified, session_data)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (version, room_id, session_id) DO UPDATE SET first_message_index = excluded.first_message_index,
				forwarded_count = excluded.forwarded_count, is_verified = excluded.is_verified, session_data = excluded.session_data`,
			version,
			roomId,
			sessionId,
			key.first_message_index,
			key.forwarded_count,
			key.is_verified ? 1 : 0,
			JSON.stringify(key.session_data),
		);
	}

	/** Keys of the version, optionally of one room or one session. */
	listKeys(version: number, roomId?: string, sessionId?: string): StoredBackupKey[] {
		const rows = this.sql
			.exec<KeyRow>(
				`SELECT * FROM key_backup_keys WHERE version = ?1 AND (?2 IS NULL OR room_id = ?2) AND (?3 IS NULL OR session_id = ?3)
				ORDER BY room_id, session_id`,
				version,
				roomId ?? null,
				sessionId ?? null,
			)
			.toArray();
		return rows.map(toKey);
	}

	/** Deletes keys of the version (optionally one room / one session); returns how many went. */
	deleteKeys(version: number, roomId?: string, sessionId?: string): number {
		return this.sql
			.exec(
				`DELETE FROM key_backup_keys WHERE version = ?1 AND (?2 IS NULL OR room_id = ?2) AND (?3 IS NULL OR session_id = ?3) RETURNING 1`,
				version,
				roomId ?? null,
				sessionId ?? null,
			)
			.toArray().length;
	}
}
