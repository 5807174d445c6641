// The remote servers a local user shares a room with: where that user's device-list updates (bridge/e2ee)
// and presence (user/sync/others-presence.ts) go. The D1 membership index holds local members only, so
// remote members are read from each of the user's rooms' RoomDO (bounded).
// Spec: https://spec.matrix.org/latest/server-server-api/#device-management ("servers which share a room"),
// https://spec.matrix.org/latest/server-server-api/#presence

import { serverNameOf } from "../protocol/ids/server-name-of";

/** A user in more rooms than this is asked about in the first this-many only; a bound on fan-out RPCs. */
export const MAX_ROOMS = 500;

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
