// invite_room_state / knock_room_state from another server as stripped state events: full PDUs (since
// Matrix 1.16) and older stripped events alike keep only type, state_key, sender and content; anything
// else is dropped, not trusted. Spec: https://spec.matrix.org/latest/client-server-api/#stripped-state

import type { JsonObject } from "../../protocol/events/pdu";
import type { StrippedStateEvent } from "../../worker/room/api";

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

export function strippedStateOf(list: unknown): StrippedStateEvent[] {
	if (!Array.isArray(list)) return [];
	return list.filter(isObject).flatMap((e) =>
		typeof e.type === "string" && typeof e.state_key === "string" && typeof e.sender === "string" && isObject(e.content)
			? [{ type: e.type, state_key: e.state_key, sender: e.sender, content: e.content }]
			: [],
	);
}
