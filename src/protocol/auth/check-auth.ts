// The whole authorization check of an event against its own auth events (the spec's receipt check 4).
// Spec: https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu

import type { RoomEvent } from "../events/pdu";
import { createEventIdOfRoomId } from "../ids/room-id";
import type { RoomVersionRules } from "../room-versions/rules";
import { stateKeyString } from "./auth-types";
import { CREATE } from "./content";
import type { AuthOptions } from "./options";
import type { AuthEventLookup, AuthResult, StateLookup } from "./result";
import { checkStateDependentAuthRules } from "./state-dependent";
import { checkStateIndependentAuthRules } from "./state-independent";

/** The state an event's auth events describe; in v12 the create event comes from the room ID. */
export function stateFromAuthEvents(rules: RoomVersionRules, event: RoomEvent, lookup: AuthEventLookup): StateLookup {
	const byKey = new Map<string, RoomEvent>();
	for (const id of event.auth_events) {
		const auth = lookup(id)?.event;
		if (auth?.state_key !== undefined) byKey.set(stateKeyString(auth.type, auth.state_key), auth);
	}
	if (rules.auth.roomIdIsCreateEventId) {
		const createId = createEventIdOfRoomId(event.room_id);
		const create = createId === undefined ? undefined : lookup(createId)?.event;
		if (create?.type === CREATE) byKey.set(stateKeyString(CREATE, ""), create);
	}
	return (type, stateKey) => byKey.get(stateKeyString(type, stateKey));
}

/**
 * "Passes authorization rules based on the event's auth events, otherwise it is rejected": the
 * state-independent rules, then the state-dependent rules against the state the auth events name.
 */
export async function checkAuthAgainstAuthEvents(
	rules: RoomVersionRules,
	event: RoomEvent,
	lookup: AuthEventLookup,
	options: AuthOptions = {},
): Promise<AuthResult> {
	const independent = checkStateIndependentAuthRules(rules, event, lookup);
	if (!independent.ok) return independent;
	return checkStateDependentAuthRules(rules, event, stateFromAuthEvents(rules, event, lookup), options);
}
