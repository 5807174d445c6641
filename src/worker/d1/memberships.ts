// Typed queries on D1 `room_memberships`: the user↔room index mirrored from each RoomDO's member events
// (by its outbox), and the `room_aliases` lookup joins need. migrations/0001_init.sql, 0005.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3joined_rooms

export type IndexedMembership = "invite" | "join" | "knock" | "leave" | "ban";

/**
 * Records a user's membership in a room. The RoomDO sends a user's changes in order, so the latest
 * write wins; a changed membership clears `forgotten` (rejoining un-forgets a room).
 */
export async function upsertMembership(
	db: D1Database,
	userId: string,
	roomId: string,
	membership: IndexedMembership,
	eventId: string,
	nowTs: number,
): Promise<void> {
	await db
		.prepare(
			`INSERT INTO room_memberships (user_id, room_id, membership, event_id, updated_ts, forgotten) VALUES (?1, ?2, ?3, ?4, ?5, 0)
			ON CONFLICT (user_id, room_id) DO UPDATE SET membership = excluded.membership, event_id = excluded.event_id,
				updated_ts = excluded.updated_ts,
				forgotten = CASE WHEN room_memberships.membership = excluded.membership THEN room_memberships.forgotten ELSE 0 END`,
		)
		.bind(userId, roomId, membership, eventId, nowTs)
		.run();
}

/** The rooms a user has the given membership in, sorted. */
export async function roomsWithMembership(db: D1Database, userId: string, membership: IndexedMembership): Promise<string[]> {
	const { results } = await db
		.prepare("SELECT room_id FROM room_memberships WHERE user_id = ?1 AND membership = ?2 ORDER BY room_id")
		.bind(userId, membership)
		.all<{ room_id: string }>();
	return results.map((r) => r.room_id);
}

/** A user's indexed membership in a room, or null. */
export async function getMembership(
	db: D1Database,
	userId: string,
	roomId: string,
): Promise<{ membership: IndexedMembership; forgotten: boolean } | null> {
	const row = await db
		.prepare("SELECT membership, forgotten FROM room_memberships WHERE user_id = ?1 AND room_id = ?2")
		.bind(userId, roomId)
		.first<{ membership: IndexedMembership; forgotten: number }>();
	return row === null ? null : { membership: row.membership, forgotten: row.forgotten === 1 };
}

/** Marks a room forgotten for a user; false if the user has no row there. */
export async function markForgotten(db: D1Database, userId: string, roomId: string): Promise<boolean> {
	const result = await db
		.prepare("UPDATE room_memberships SET forgotten = 1 WHERE user_id = ?1 AND room_id = ?2")
		.bind(userId, roomId)
		.run();
	return result.meta.changes > 0;
}

/** Whether two users share a room in which both are joined (profile and directory visibility). */
export async function shareARoom(db: D1Database, a: string, b: string): Promise<boolean> {
	const row = await db
		.prepare(
			`SELECT 1 AS ok FROM room_memberships x JOIN room_memberships y ON x.room_id = y.room_id
			WHERE x.user_id = ?1 AND y.user_id = ?2 AND x.membership = 'join' AND y.membership = 'join' LIMIT 1`,
		)
		.bind(a, b)
		.first<{ ok: number }>();
	return row !== null;
}

/** The room a local alias points to (read-only here; alias CRUD lives with the directory routes). */
export async function resolveLocalAlias(db: D1Database, alias: string): Promise<string | null> {
	const row = await db.prepare("SELECT room_id FROM room_aliases WHERE alias = ?1").bind(alias).first<{ room_id: string }>();
	return row?.room_id ?? null;
}

/**
 * Creates an alias for a new room (createRoom's room_alias_name). False if the alias is taken,
 * which createRoom answers with M_ROOM_IN_USE.
 */
export async function insertAliasIfFree(db: D1Database, alias: string, roomId: string, creator: string, nowTs: number): Promise<boolean> {
	const result = await db
		.prepare("INSERT INTO room_aliases (alias, room_id, creator, created_ts) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING")
		.bind(alias, roomId, creator, nowTs)
		.run();
	return result.meta.changes > 0;
}

export async function deleteAlias(db: D1Database, alias: string): Promise<void> {
	await db.prepare("DELETE FROM room_aliases WHERE alias = ?1").bind(alias).run();
}

/** Publishes a room in the directory (createRoom with visibility public). */
export async function publishRoom(db: D1Database, roomId: string, visibility: "public" | "private"): Promise<void> {
	await db
		.prepare("INSERT INTO room_directory (room_id, visibility) VALUES (?1, ?2) ON CONFLICT (room_id) DO UPDATE SET visibility = excluded.visibility")
		.bind(roomId, visibility)
		.run();
}
