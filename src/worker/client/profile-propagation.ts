// A profile change reaches the user's rooms: each joined room gets a new m.room.member event carrying the
// new displayname and avatar_url, built and signed by that room's RoomDO like any local event.
// Spec: https://spec.matrix.org/latest/client-server-api/#events-on-change-of-profile-information

import type { JsonObject, JsonValue } from "../../protocol/events/pdu";
import { memberContentWithProfile } from "../../protocol/profile/profile-field";
import { log } from "../../platform/log";
import { roomsWithMembership } from "../d1/memberships";

/** Rooms updated at once: bounds the fan-out of one request. */
const BATCH = 10;

/** Sends the new member event into one room; false if the user is not joined there (any more). */
async function updateRoom(env: Env, userId: string, roomId: string, profile: Readonly<Record<string, JsonValue>>, nowTs: number): Promise<boolean> {
	const room = env.ROOM.getByName(roomId);
	const current = await room.readStateEventJson({ user_id: userId }, "m.room.member", userId);
	if (!current.ok) return false;
	const event = JSON.parse(current.value) as { content: JsonObject };
	if (event.content.membership !== "join") return false;
	const content = memberContentWithProfile(event.content, profile);
	const sent = await room.sendLocalEvent({ sender: userId, type: "m.room.member", state_key: userId, content, origin_server_ts: nowTs });
	if (!sent.ok) log.warn("profile_propagation_refused", { room_id: roomId, errcode: sent.errcode });
	return sent.ok;
}

/**
 * Updates the user's member event in every room the D1 index lists as joined. A room that refuses (or
 * fails) does not stop the others: the profile itself is already saved. Returns the rooms updated.
 */
export async function propagateProfile(env: Env, userId: string, profile: Readonly<Record<string, JsonValue>>, nowTs: number): Promise<number> {
	const rooms = await roomsWithMembership(env.DB, userId, "join");
	let updated = 0;
	for (let i = 0; i < rooms.length; i += BATCH) {
		const results = await Promise.allSettled(rooms.slice(i, i + BATCH).map((roomId) => updateRoom(env, userId, roomId, profile, nowTs)));
		for (const r of results) {
			if (r.status === "fulfilled" && r.value) updated++;
			else if (r.status === "rejected") log.warn("profile_propagation_failed", { error: String(r.reason) });
		}
	}
	return updated;
}
