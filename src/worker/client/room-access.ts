// Who may see a room's summary without being in it: the rule the space hierarchy and room summaries share.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv1roomsroomidhierarchy ("The server
// should return any rooms where at least one of the following conditions is true") and
// https://spec.matrix.org/latest/client-server-api/#get_matrixclientv1room_summaryroomidoralias

import type { RoomSummaryView } from "../room/room-summary";

/** Allowed rooms checked for a restricted join rule; more are ignored rather than waking many rooms. */
const MAX_ALLOWED_ROOMS = 10;

/**
 * The rooms a caller may preview: they are joined or invited, the room is public, knockable or
 * world_readable, or (restricted) they are joined to one of the allowed rooms. A banned user sees nothing,
 * and an anonymous caller (`userId` null) only the public, knockable and world-readable rooms.
 */
export async function mayPreview(env: Env, view: RoomSummaryView, userId: string | null): Promise<boolean> {
	if (view.membership === "ban") return false;
	if (view.membership === "join" || view.membership === "invite") return true;
	if (openToAll(view)) return true;
	if (userId === null || view.summary.join_rule !== "restricted") return false;
	const memberships = await Promise.all(allowedRooms(view).map((id) => env.ROOM.getByName(id).getMembership(userId)));
	return memberships.includes("join");
}

function openToAll(view: RoomSummaryView): boolean {
	const rule = view.summary.join_rule;
	return rule === "public" || rule === "knock" || rule === "knock_restricted" || view.summary.world_readable;
}

function allowedRooms(view: RoomSummaryView): string[] {
	return (view.summary.allowed_room_ids ?? []).slice(0, MAX_ALLOWED_ROOMS);
}

/**
 * The same rule for a remote server (federation /hierarchy: "rooms the requesting server could peek or
 * join"): one of its users is joined, the room is open to all, or (restricted) one of its users is joined
 * to an allowed room. `joined` is whether the server has a user joined to the room itself.
 */
export async function mayServerPreview(env: Env, view: RoomSummaryView, origin: string, joined: boolean): Promise<boolean> {
	if (joined || openToAll(view)) return true;
	if (view.summary.join_rule !== "restricted") return false;
	const access = await Promise.all(allowedRooms(view).map((id) => env.ROOM.getByName(id).federationServerAccess(origin)));
	return access.some((a) => a?.joined === true);
}

/** A room's summary view from its RoomDO (JSON text across RPC), or null if this server holds no such room. */
export async function roomSummary(env: Env, roomId: string, userId: string | null): Promise<RoomSummaryView | null> {
	const text = await env.ROOM.getByName(roomId).getRoomSummaryJson(userId);
	return text === null ? null : (JSON.parse(text) as RoomSummaryView);
}
