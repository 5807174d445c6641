// Who shares rooms across servers, for E2EE EDUs: the remote servers a local user's device-list updates go
// to, and the local users who must hear of a remote user's device-list update. The D1 membership index
// holds local members only, so remote members are read from each candidate RoomDO (bounded).
// Spec: https://spec.matrix.org/latest/server-server-api/#device-management ("servers which share a room")

import { MAX_ROOMS } from "../../platform/servers-sharing-rooms";

// Also what presence needs (the UserDO sends m.presence), so it lives in platform/.
export { serversSharingRoomWith } from "../../platform/servers-sharing-rooms";

/** Local users joined to a room where the remote `userId` is joined: those who see its device-list changes. */
export async function localUsersSharingRoomWithRemote(env: Pick<Env, "DB" | "ROOM">, userId: string): Promise<string[]> {
	const { results } = await env.DB.prepare("SELECT DISTINCT room_id FROM room_memberships WHERE membership = 'join' ORDER BY room_id LIMIT ?1")
		.bind(MAX_ROOMS)
		.all<{ room_id: string }>();
	const memberships = await Promise.all(results.map((r) => env.ROOM.getByName(r.room_id).getMembership(userId)));
	const shared = results.filter((_, i) => memberships[i] === "join").map((r) => r.room_id);
	if (shared.length === 0) return [];
	const users = new Set<string>();
	for (const roomId of shared) {
		const rows = await env.DB.prepare("SELECT user_id FROM room_memberships WHERE room_id = ?1 AND membership = 'join'").bind(roomId).all<{ user_id: string }>();
		for (const r of rows.results) users.add(r.user_id);
	}
	return [...users].sort();
}
