// device_lists.left: users the syncing user no longer shares any room with. Candidates come from what
// this sync's room slices show (a member's leave, kick or ban; or the user's own departure, which makes
// every member of that room a candidate); the D1 membership index then says whether another room is
// still shared. Each departure is recorded once on the user's device-list stream.
// Spec: https://spec.matrix.org/latest/client-server-api/#tracking-the-device-list-for-a-user
// ("device_lists.left: users ... who no longer share an encrypted room" — we, like Synapse, count any room)

import type { SyncSlice } from "../../room/api";
import type { Fetched } from "./room-fetch";
import type { SyncStore } from "./stream-store";

/** Index queries the check needs (d1/shared-rooms.ts). */
export interface SharedRoomIndex {
	sharesRoomOutside(a: string, b: string, exceptRooms: readonly string[]): Promise<boolean>;
	roomMembers(roomId: string): Promise<string[]>;
}

/**
 * Users who may have stopped sharing rooms with `userId`, each with the rooms where that was seen.
 * Must run before the room sections update the memberships the store remembers.
 */
export async function departureCandidates(
	store: SyncStore,
	userId: string,
	slices: ReadonlyMap<string, Fetched<SyncSlice>>,
	index: SharedRoomIndex,
): Promise<Map<string, string[]>> {
	const out = new Map<string, string[]>();
	const add = (user: string, roomId: string) => {
		if (user === userId) return;
		const rooms = out.get(user) ?? [];
		if (!rooms.includes(roomId)) rooms.push(roomId);
		out.set(user, rooms);
	};
	for (const [roomId, { since, slice }] of slices) {
		// An initial room slice is not a change the client must be told about.
		if (since === null) continue;
		const gone = slice.membership === "leave" || slice.membership === "ban";
		if (gone && store.getMembership(roomId)?.membership === "join") {
			for (const member of await index.roomMembers(roomId)) add(member, roomId);
		}
		// The last membership each user shows in the slice decides (a leave then a rejoin is no departure).
		const last = new Map<string, unknown>();
		for (const e of [...slice.state, ...slice.timeline]) {
			if (e.type === "m.room.member" && e.state_key !== undefined) last.set(e.state_key, e.content.membership);
		}
		for (const [user, m] of last) if (m === "leave" || m === "ban") add(user, roomId);
	}
	return out;
}

/** The candidates who share no other room with `userId` (one index query each). */
export async function departedUsers(userId: string, candidates: ReadonlyMap<string, string[]>, index: SharedRoomIndex): Promise<string[]> {
	const checks = await Promise.all(
		[...candidates].map(async ([user, rooms]) => ((await index.sharesRoomOutside(userId, user, rooms)) ? null : user)),
	);
	return checks.filter((u): u is string => u !== null);
}
