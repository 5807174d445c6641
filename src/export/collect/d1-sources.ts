// Read-only D1 queries of the export: the account row, pushers, uploaded media metadata and the user↔room
// membership index. Only allow-listed columns are selected; windows are applied in SQL.
// Tables: migrations/0001_init.sql (accounts, room_memberships, media), 0007_pushers.sql.
// Design: /work/shared/LAWFUL_ACCESS.md#what-may-be-exported

export type AccountRow = { user_id: string; created_ts: number; deactivated: number; is_admin: number; is_guest: number };

export async function readAccount(db: D1Database, userId: string): Promise<AccountRow | null> {
	return db
		.prepare("SELECT user_id, created_ts, deactivated, is_admin, is_guest FROM accounts WHERE user_id = ?1")
		.bind(userId)
		.first<AccountRow>();
}

export type PusherRow = { app_id: string; pushkey: string; kind: string; gateway_url: string | null; created_ts: number };

/** Pushers registered before the window's end, keyed by (app_id, pushkey) after the cursor. */
export async function readPushers(db: D1Database, userId: string, before: number, after: [string, string], limit: number): Promise<PusherRow[]> {
	// The gateway URL is the only field read out of pusher_json; the rest of the pusher data stays behind.
	const { results } = await db
		.prepare(
			`SELECT app_id, pushkey, kind, json_extract(pusher_json, '$.data.url') AS gateway_url, created_ts FROM pushers
			WHERE user_id = ?1 AND created_ts < ?2 AND (app_id, pushkey) > (?3, ?4) ORDER BY app_id, pushkey LIMIT ?5`,
		)
		.bind(userId, before, after[0], after[1], limit)
		.all<PusherRow>();
	return results;
}

export type MediaRow = { media_id: string; uploaded_ts: number; size_bytes: number; content_type: string | null; sha256: string };

/** Completed uploads inside the window, keyed by (uploaded_ts, media_id) after the cursor. Never bytes. */
export async function readMedia(db: D1Database, uploader: string, window: { start: number; end: number }, after: [number, string], limit: number): Promise<MediaRow[]> {
	const { results } = await db
		.prepare(
			`SELECT media_id, uploaded_ts, size_bytes, content_type, sha256 FROM media
			WHERE uploader = ?1 AND uploaded_ts IS NOT NULL AND sha256 IS NOT NULL AND size_bytes IS NOT NULL
				AND uploaded_ts >= ?2 AND uploaded_ts < ?3 AND (uploaded_ts, media_id) > (?4, ?5)
			ORDER BY uploaded_ts, media_id LIMIT ?6`,
		)
		.bind(uploader, window.start, window.end, after[0], after[1], limit)
		.all<MediaRow>();
	return results;
}

/**
 * Up to `limit` rooms (in ID order) the user has ever had a membership in, from `fromRoomId` on (inclusive; ""
 * for the first).
 */
export async function indexedRoomsFrom(db: D1Database, userId: string, fromRoomId: string, limit: number): Promise<string[]> {
	const { results } = await db
		.prepare("SELECT room_id FROM room_memberships WHERE user_id = ?1 AND room_id >= ?2 ORDER BY room_id LIMIT ?3")
		.bind(userId, fromRoomId, limit)
		.all<{ room_id: string }>();
	return results.map((r) => r.room_id);
}

export type ProfileRow = { displayname: string | null; avatar_url: string | null };

/** Grey data: only the display name and avatar of the profile (other profile fields stay behind). */
export async function readProfile(db: D1Database, userId: string): Promise<ProfileRow> {
	const { results } = await db
		.prepare("SELECT field, value_json FROM profile_fields WHERE user_id = ?1 AND field IN ('displayname', 'avatar_url')")
		.bind(userId)
		.all<{ field: string; value_json: string }>();
	const value = (field: string): string | null => {
		const row = results.find((r) => r.field === field);
		const parsed: unknown = row === undefined ? null : JSON.parse(row.value_json);
		return typeof parsed === "string" ? parsed : null;
	};
	return { displayname: value("displayname"), avatar_url: value("avatar_url") };
}
