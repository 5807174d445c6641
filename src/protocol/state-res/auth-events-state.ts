// The state an event's own auth events describe, as state resolution reads it.
// Spec: https://spec.matrix.org/latest/rooms/v2/#definitions ("Iterative auth checks", "Reverse topological power ordering")

import { stateKeyString } from "../auth";
import type { RoomEvent } from "../events/pdu";
import { createEventIdOfRoomId } from "../ids/room-id";
import type { RoomVersionRules } from "../room-versions/rules";
import type { EventSource } from "./event-source";

/**
 * `(type, state_key)` → event for the event's `auth_events`, skipping auth events the store lacks and,
 * when `isRejected` is given, rejected ones ("the appropriate state event from the event's
 * auth_events is used if the auth event is not rejected"). In v12 the create event is named by the
 * room ID instead of being cited, so it is added from there.
 */
export async function authEventsState(
	rules: RoomVersionRules,
	source: EventSource,
	event: RoomEvent,
	isRejected?: (eventId: string) => boolean,
): Promise<Map<string, RoomEvent>> {
	const byKey = new Map<string, RoomEvent>();
	for (const id of event.auth_events) {
		const auth = await source.get(id);
		if (auth?.state_key === undefined || isRejected?.(id)) continue;
		byKey.set(stateKeyString(auth.type, auth.state_key), auth);
	}
	if (rules.auth.roomIdIsCreateEventId && event.type !== "m.room.create") {
		const createId = createEventIdOfRoomId(event.room_id);
		const create = createId === undefined ? undefined : await source.get(createId);
		if (create?.type === "m.room.create" && create.state_key === "") byKey.set(stateKeyString("m.room.create", ""), create);
	}
	return byKey;
}
