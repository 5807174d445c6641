// Who shares a room with a user, from the D1 membership indexes kept by the RoomDOs: room_memberships
// (local users) and, where remote users count, remote_room_members.
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
 * Whether local user `a` shares a room other than `exceptRooms` with `b` (local, joined or invited; or
 * remote and joined, by remote_room_members, migrations/0018). The rooms where a departure was just seen
 * are left out: the indexes may not have caught up with that departure yet.
 */
export async function sharesRoomOutside(db: D1Database, a: string, b: string, exceptRooms: readonly string[]): Promise<boolean> {
	const except = exceptRooms.length === 0 ? "" : ` AND mine.room_id NOT IN (${exceptRooms.map((_, i) => `?${i + 3}`).join(", ")})`;
	const row = await db
		.prepare(
			`SELECT 1 AS one FROM room_memberships AS mine
			WHERE mine.user_id = ?1 AND mine.membership IN ${SHARING}${except} AND (
				EXISTS (SELECT 1 FROM room_memberships AS other WHERE other.room_id = mine.room_id AND other.user_id = ?2 AND other.membership IN ${SHARING})
				OR EXISTS (SELECT 1 FROM remote_room_members AS remote WHERE remote.user_id = ?2 AND remote.room_id = mine.room_id)
			) LIMIT 1`,
		)
		.bind(a, b, ...exceptRooms)
		.first<{ one: number }>();
	return row !== null;
}

/** Members of one room who share it, by the indexes: local users joined or invited, remote users joined. */
export async function roomMembersSharing(db: D1Database, roomId: string): Promise<string[]> {
	const { results } = await db
		.prepare(
			`SELECT user_id FROM room_memberships WHERE room_id = ?1 AND membership IN ${SHARING}
			UNION SELECT user_id FROM remote_room_members WHERE room_id = ?1 ORDER BY user_id`,
		)
		.bind(roomId)
		.all<{ user_id: string }>();
	return results.map((r) => r.user_id);
}
