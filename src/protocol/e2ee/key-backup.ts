// Server-side key backup rules: the shape of one backed-up session key, and which of two keys to keep.
// Spec: https://spec.matrix.org/latest/client-server-api/#server-side-key-backups
// `session_data` is opaque (encrypted by the client); only the three comparison fields are read.

import type { JsonObject, JsonValue } from "../events/pdu";

export const MEGOLM_BACKUP_V1 = "m.megolm_backup.v1.curve25519-aes-sha2";

/** KeyBackupData (definitions/key_backup_data.yaml). */
export interface BackupKey {
	first_message_index: number;
	forwarded_count: number;
	is_verified: boolean;
	session_data: JsonObject;
}

function isNonNegativeInt(v: JsonValue | undefined): v is number {
	return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

export function parseBackupKey(v: JsonValue | undefined): BackupKey | undefined {
	if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
	const { first_message_index, forwarded_count, is_verified, session_data } = v;
	if (!isNonNegativeInt(first_message_index) || !isNonNegativeInt(forwarded_count)) return undefined;
	if (typeof is_verified !== "boolean") return undefined;
	if (typeof session_data !== "object" || session_data === null || Array.isArray(session_data)) return undefined;
	return { first_message_index, forwarded_count, is_verified, session_data };
}

type Comparable = Pick<BackupKey, "first_message_index" | "forwarded_count" | "is_verified">;

/**
 * "Key backups are compared first by the is_verified flag (true is better than false), then by the
 * first_message_index (a lower number is better), and finally by forwarded_count (a lower number is
 * better)." On a full tie the stored key stays, so re-uploading the same key changes nothing.
 */
export function shouldReplaceBackupKey(existing: Comparable, incoming: Comparable): boolean {
	if (existing.is_verified !== incoming.is_verified) return incoming.is_verified;
	if (existing.first_message_index !== incoming.first_message_index) {
		return incoming.first_message_index < existing.first_message_index;
	}
	return incoming.forwarded_count < existing.forwarded_count;
}

/** `{ "sessions": { "<session id>": KeyBackupData } }` (definitions/room_key_backup.yaml). */
export function parseRoomKeyBackup(v: JsonValue | undefined): Map<string, BackupKey> | undefined {
	if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
	const sessions = v.sessions;
	if (typeof sessions !== "object" || sessions === null || Array.isArray(sessions)) return undefined;
	const out = new Map<string, BackupKey>();
	for (const [sessionId, data] of Object.entries(sessions)) {
		const key = parseBackupKey(data);
		if (key === undefined) return undefined;
		out.set(sessionId, key);
	}
	return out;
}
