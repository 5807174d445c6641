// Which state events an event must cite in `auth_events`.
// Spec: https://spec.matrix.org/latest/server-server-api/#auth-events-selection

import type { JsonObject } from "../events/pdu";
import type { RoomVersionRules } from "../room-versions/rules";
import { CREATE, isObject, JOIN_RULES, MEMBER, POWER_LEVELS, stringField, THIRD_PARTY_INVITE } from "./content";

/** A `(type, state_key)` pair. */
export type StateKey = readonly [type: string, stateKey: string];

/** An unambiguous string key for maps of state, for any `type` and `state_key`. */
export function stateKeyString(type: string, stateKey: string): string {
	return JSON.stringify([type, stateKey]);
}

/**
 * The `(type, state_key)` pairs an event's `auth_events` may cite; the spec's auth events selection.
 * The create event cites nothing; v12 events never cite the create event (the room ID names it).
 */
export function authTypesForEvent(
	rules: RoomVersionRules,
	type: string,
	sender: string,
	stateKey: string | undefined,
	content: JsonObject,
): StateKey[] {
	// "The auth_events for the m.room.create event in a room is empty"
	if (type === CREATE) return [];
	const out: StateKey[] = [];
	const seen = new Set<string>();
	const add = (t: string, k: string) => {
		const key = stateKeyString(t, k);
		if (!seen.has(key)) {
			seen.add(key);
			out.push([t, k]);
		}
	};
	// "Depending on the room version, the m.room.create event."
	if (!rules.auth.roomIdIsCreateEventId) add(CREATE, "");
	// "The current m.room.power_levels event, if any."
	add(POWER_LEVELS, "");
	// "The sender's current m.room.member event, if any."
	add(MEMBER, sender);
	if (type === MEMBER && stateKey !== undefined) {
		const membership = stringField(content, "membership");
		// "The target's current m.room.member event, if any."
		add(MEMBER, stateKey);
		// "If membership is join, invite or knock, the current m.room.join_rules event, if any."
		if (membership === "join" || membership === "invite" || membership === "knock") add(JOIN_RULES, "");
		// "If membership is invite and content contains a third_party_invite property, the current
		// m.room.third_party_invite event with state_key matching content.third_party_invite.signed.token"
		const tpi = content.third_party_invite;
		if (membership === "invite" && isObject(tpi) && isObject(tpi.signed)) {
			const token = stringField(tpi.signed, "token");
			if (token !== undefined) add(THIRD_PARTY_INVITE, token);
		}
		// "If membership is join, content.join_authorised_via_users_server is present, and the room version
		// supports restricted rooms, then the m.room.member event with state_key matching" it.
		const authoriser = stringField(content, "join_authorised_via_users_server");
		if (membership === "join" && rules.auth.restrictedJoinRule && authoriser !== undefined) add(MEMBER, authoriser);
	}
	return out;
}
