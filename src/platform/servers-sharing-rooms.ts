// Who shares a room across servers, from the two D1 membership indexes: room_memberships (local users, kept
// by each RoomDO's outbox) and remote_room_members (remote users' joins, migrations/0018, kept by each
// RoomDO's drain from room/remote-member-index.ts). One query each, whatever the number of rooms. Used for
// device-list and signing-key updates both ways (bridge/e2ee, bridge/edu) and presence (both ways).
// Spec: https://spec.matrix.org/latest/server-server-api/#device-management ("servers which share a room"),
// https://spec.matrix.org/latest/server-server-api/#presence

/** Remote server names with a joined member in any room `userId` (local) is joined to, sorted. */
export async function serversSharingRoomWith(env: Pick<Env, "DB">, userId: string, ourServer: string): Promise<string[]> {
	const { results } = await env.DB.prepare(
		`SELECT DISTINCT r.server_name FROM room_memberships AS m JOIN remote_room_members AS r ON r.room_id = m.room_id
		WHERE m.user_id = ?1 AND m.membership = 'join' ORDER BY r.server_name`,
	)
		.bind(userId)
		.all<{ server_name: string }>();
	// The index holds remote users only; the filter keeps our own name out even if a row said otherwise.
	return results.map((r) => r.server_name).filter((s) => s !== ourServer);
}

/**
 * For each of the remote `userIds`, the local users joined to a room it is joined to (users sharing none
 * are absent). Those are who see its device-list changes and presence.
 */
export async function localUsersSharingRoomWith(env: Pick<Env, "DB">, userIds: readonly string[]): Promise<Map<string, string[]>> {
	const out = new Map<string, string[]>();
	if (userIds.length === 0) return out;
	// One bound JSON array, so any number of users stays within D1's bound-parameter limit.
	const { results } = await env.DB.prepare(
		`SELECT DISTINCT r.user_id AS remote, m.user_id AS local FROM remote_room_members AS r
		JOIN room_memberships AS m ON m.room_id = r.room_id AND m.membership = 'join'
		WHERE r.user_id IN (SELECT value FROM json_each(?1)) ORDER BY remote, local`,
	)
		.bind(JSON.stringify(userIds))
		.all<{ remote: string; local: string }>();
	for (const { remote, local } of results) out.set(remote, [...(out.get(remote) ?? []), local]);
	return out;
}
