// Rule 1: the m.room.create event, checked on its own (it has no auth events).
// Spec: https://spec.matrix.org/latest/rooms/v12/#authorization-rules (and v1, v11 for older forms)

import type { RoomEvent } from "../events/pdu";
import { parseUserId } from "../ids/user-id";
import { roomVersionRules, type RoomVersionRules } from "../room-versions/rules";
import { sameServer } from "./content";
import { ALLOW, type AuthResult, reject } from "./result";
import { ruleNumbers } from "./rule-numbers";

export function checkCreateEvent(rules: RoomVersionRules, event: RoomEvent): AuthResult {
	const n = ruleNumbers(rules.auth).create;
	// 1.1 "If it has any prev_events, reject."
	if (event.prev_events.length > 0) return reject(n.prevEvents, "the create event has prev_events");
	if (rules.auth.roomIdIsCreateEventId) {
		// 1.2 (v12) "If the event has a room_id, reject."
		if (event.pdu.room_id !== undefined) return reject(n.roomId, "a v12 create event carries no room_id");
	} else if (!sameServer(event.room_id, event.sender)) {
		// 1.2 (v1–v11) "If the domain of the room_id does not match the domain of the sender, reject."
		return reject(n.roomId, "the room ID's domain is not the sender's");
	}
	// 1.3 "If content.room_version is present and is not a recognised version, reject."
	const version = event.content.room_version;
	if (version !== undefined && (typeof version !== "string" || !roomVersionRules(version))) {
		return reject(n.roomVersion, "content.room_version is not a recognised version");
	}
	// 1.4 (v1–v10) "If content has no creator property, reject."
	if (n.creator !== undefined && !("creator" in event.content)) return reject(n.creator, "content has no creator");
	// 1.4 (v12) "If additional_creators is present in content and is not an array of strings where each
	// string passes the same user ID validation applied to sender, reject."
	const additional = event.content.additional_creators;
	if (n.additionalCreators !== undefined && additional !== undefined) {
		if (!Array.isArray(additional) || !additional.every((u) => parseUserId(u) !== undefined)) {
			return reject(n.additionalCreators, "content.additional_creators is not an array of user IDs");
		}
	}
	// 1.5 "Otherwise, allow."
	return ALLOW;
}
