// Which events are "power events" for state resolution v2.
// Spec: https://spec.matrix.org/latest/rooms/v2/#definitions ("Power events")

import type { RoomEvent } from "../events/pdu";

/**
 * "A power event is a state event with type `m.room.power_levels` or `m.room.join_rules`, or a state
 * event with type `m.room.member` where the `membership` is `leave` or `ban` and the `sender` does not
 * match the `state_key`."
 *
 * `m.room.create` counts too, as in Synapse (`_is_power_event`) and ruma (`is_power_event`): a
 * conflicted create event must be ordered before everything it authorises, and implementations
 * that disagree here would resolve such a room differently.
 */
export function isPowerEvent(event: RoomEvent): boolean {
	if (event.state_key === undefined) return false;
	switch (event.type) {
		case "m.room.power_levels":
		case "m.room.join_rules":
		case "m.room.create":
			return event.state_key === "";
		case "m.room.member": {
			const membership = event.content.membership;
			return (membership === "leave" || membership === "ban") && event.sender !== event.state_key;
		}
		default:
			return false;
	}
}
