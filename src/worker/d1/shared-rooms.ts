// Who shares a room with a user, from the D1 membership index (room_memberships, kept by the RoomDOs).
// Spec: https://spec.matrix.org/latest/client-server-api/#tracking-the-device-list-for-a-user
// Device-list changes go to every user who shares a room; invited users count too, since clients
// encrypt for invitees once history visibility lets them read.

const SHARING = "('join', 'invite')";

/** Local users (the user included, if in any room) who are joined or invited to a room the user is joined or invited to. */
export async function usersSharingRoomWith(db: D1Database, userId: string): Promise<string[]> {
	const { results } = await db
		.prepare(
			`SELECT DISTINCT other.user_id FROM room_memberships AS mine
			JOIN room_memberships AS other ON other.room_id = mine.room_id
			WHERE mine.user_id = ?1 AND mine.membership IN ${SHARING} AND other.membership IN ${SHARING}
			ORDER BY other.user_id`,
		)
		.bind(userId)
		.all<{ user_id: string }>();
	return results.map((r) => r.user_id);
}

/** Whether two users are joined or invited to a common room (spec: presence is visible to them). */
export async function sharesRoomWith(db: D1Database, a: string, b: string): Promise<boolean> {
	const row = await db
		.prepare(
			`SELECT 1 AS one FROM room_memberships AS mine
			JOIN room_memberships AS other ON other.room_id = mine.room_id
			WHERE mine.user_id = ?1 AND other.user_id = ?2 AND mine.membership IN ${SHARING} AND other.membership IN ${SHARING} LIMIT 1`,
		)
		.bind(a, b)
		.first<{ one: number }>();
	return row !== null;
}

/**
 * Whether two users share a room other than `exceptRooms` (joined or invited). The rooms where a
 * departure was just seen are left out: the index may not have caught up with that departure yet.
 */
export async function sharesRoomOutside(db: D1Database, a: string, b: string, exceptRooms: readonly string[]): Promise<boolean> {
	const except = exceptRooms.length === 0 ? "" : ` AND mine.room_id NOT IN (${exceptRooms.map((_, i) => `?${i + 3}`).join(", ")})`;
	const row = await db
		.prepare(
			`SELECT 1 AS one FROM room_memberships AS mine
			JOIN room_memberships AS other ON other.room_id = mine.room_id
			WHERE mine.user_id = ?1 AND other.user_id = ?2 AND mine.membership IN ${SHARING} AND other.membership IN ${SHARING}${except} LIMIT 1`,
		)
		.bind(a, b, ...exceptRooms)
		.first<{ one: number }>();
	return row !== null;
}

/** Joined or invited members of one room, by the index. */
export async function roomMembersSharing(db: D1Database, roomId: string): Promise<string[]> {
	const { results } = await db
		.prepare(`SELECT user_id FROM room_memberships WHERE room_id = ?1 AND membership IN ${SHARING} ORDER BY user_id`)
		.bind(roomId)
		.all<{ user_id: string }>();
	return results.map((r) => r.user_id);
}
