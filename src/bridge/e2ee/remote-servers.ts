// Who shares rooms across servers, for E2EE EDUs: the remote servers a local user's device-list updates go
// to, and the local users who must hear of a remote user's device-list update. The D1 membership index
// holds local members only, so remote members are read from each candidate RoomDO (bounded).
// Spec: https://spec.matrix.org/latest/server-server-api/#device-management ("servers which share a room")

import { serverNameOf } from "../../protocol/ids/server-name-of";

/** A user in more rooms than this is asked about in the first this-many only; a bound on fan-out RPCs. */
const MAX_ROOMS = 500;

function joinedRooms(db: D1Database, userId: string): Promise<string[]> {
	return db
		.prepare("SELECT room_id FROM room_memberships WHERE user_id = ?1 AND membership = 'join' ORDER BY room_id LIMIT ?2")
		.bind(userId, MAX_ROOMS)
		.all<{ room_id: string }>()
		.then((r) => r.results.map((x) => x.room_id));
}

/** Remote server names with a joined member in any room `userId` (local) is joined to, sorted. */
export async function serversSharingRoomWith(env: Pick<Env, "DB" | "ROOM">, userId: string, ourServer: string): Promise<string[]> {
	const rooms = await joinedRooms(env.DB, userId);
	const answers = await Promise.all(rooms.map((r) => env.ROOM.getByName(r).readJoinedMembersJson({ user_id: userId })));
	const servers = new Set<string>();
	for (const answer of answers) {
		if (!answer.ok) continue;
		// The RoomDO answers with the joined map itself (user ID -> profile); /joined_members wraps it.
		const joined: unknown = JSON.parse(answer.value);
		if (typeof joined !== "object" || joined === null) continue;
		for (const member of Object.keys(joined)) {
			const server = serverNameOf(member);
			if (server !== undefined && server !== ourServer) servers.add(server);
		}
	}
	return [...servers].sort();
}

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
