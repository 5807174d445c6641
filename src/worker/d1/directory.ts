// Typed queries on D1 `room_aliases` and `room_directory`: alias CRUD and the published-room list.
// (Alias creation at createRoom and resolution for joins are in d1/memberships.ts.)
// Spec: https://spec.matrix.org/latest/client-server-api/#room-aliases and #listing-rooms

export interface AliasRow {
	room_id: string;
	creator: string;
}

export async function getAlias(db: D1Database, alias: string): Promise<AliasRow | null> {
	return db.prepare("SELECT room_id, creator FROM room_aliases WHERE alias = ?1").bind(alias).first<AliasRow>();
}

/** Deletes an alias; true if it existed. */
export async function removeAlias(db: D1Database, alias: string): Promise<boolean> {
	const result = await db.prepare("DELETE FROM room_aliases WHERE alias = ?1").bind(alias).run();
	return result.meta.changes > 0;
}

/** The local aliases that point to a room, sorted. */
export async function aliasesOfRoom(db: D1Database, roomId: string): Promise<string[]> {
	const { results } = await db.prepare("SELECT alias FROM room_aliases WHERE room_id = ?1 ORDER BY alias").bind(roomId).all<{ alias: string }>();
	return results.map((r) => r.alias);
}

/** A room's published visibility; rooms never published are private. */
export async function getVisibility(db: D1Database, roomId: string): Promise<"public" | "private"> {
	const row = await db.prepare("SELECT visibility FROM room_directory WHERE room_id = ?1").bind(roomId).first<{ visibility: "public" | "private" }>();
	return row?.visibility ?? "private";
}

/** The rooms published in the directory, sorted. */
export async function publishedRoomIds(db: D1Database): Promise<string[]> {
	const { results } = await db.prepare("SELECT room_id FROM room_directory WHERE visibility = 'public' ORDER BY room_id").all<{ room_id: string }>();
	return results.map((r) => r.room_id);
}

/**
 * A room upgrade's directory step, in one batch: "Moves any local aliases to the new room"; and, as
 * Synapse does, a published old room hands its place in the directory to the new one.
 * Spec: https://spec.matrix.org/latest/client-server-api/#room-upgrades
 */
export async function moveDirectoryEntries(db: D1Database, oldRoomId: string, newRoomId: string): Promise<void> {
	await db.batch([
		db.prepare("UPDATE room_aliases SET room_id = ?2 WHERE room_id = ?1").bind(oldRoomId, newRoomId),
		db
			.prepare(
				`INSERT INTO room_directory (room_id, visibility) SELECT ?2, 'public' FROM room_directory WHERE room_id = ?1 AND visibility = 'public'
				ON CONFLICT (room_id) DO UPDATE SET visibility = 'public'`,
			)
			.bind(oldRoomId, newRoomId),
		db.prepare("UPDATE room_directory SET visibility = 'private' WHERE room_id = ?1").bind(oldRoomId),
	]);
}
