// The rules that need only the event and its auth events: 1 (create), 2 (v12: room ID), and the auth_events checks.
// Spec: https://spec.matrix.org/latest/rooms/v12/#authorization-rules, https://spec.matrix.org/latest/rooms/v11/#authorization-rules

import type { RoomEvent } from "../events/pdu";
import { createEventIdOfRoomId } from "../ids/room-id";
import type { RoomVersionRules } from "../room-versions/rules";
import { authTypesForEvent, stateKeyString } from "./auth-types";
import { CREATE } from "./content";
import { checkCreateEvent } from "./create";
import { ALLOW, type AuthEventEntry, type AuthEventLookup, type AuthResult, MissingAuthEventError, reject } from "./result";
import { ruleNumbers } from "./rule-numbers";

/**
 * Checks the state-independent rules once, when an event arrives. `lookup` must return every event in
 * `auth_events` (and in v12 the create event the room ID names), rejected ones included, or this throws
 * `MissingAuthEventError`.
 */
export function checkStateIndependentAuthRules(rules: RoomVersionRules, event: RoomEvent, lookup: AuthEventLookup): AuthResult {
	const n = ruleNumbers(rules.auth);
	// 1. "If type is m.room.create:" (its own rules, then allow or reject)
	if (event.type === CREATE) return checkCreateEvent(rules, event);

	if (n.roomIdIsCreateEvent !== undefined) {
		// 2. (v12) "If the event's room_id is not an event ID for an accepted (not rejected) m.room.create
		// event, with the sigil ! instead of $, reject."
		const createId = createEventIdOfRoomId(event.room_id);
		if (createId === undefined) return reject(n.roomIdIsCreateEvent, "the room ID is not a create event ID");
		const create = lookup(createId);
		if (!create) throw new MissingAuthEventError([createId]);
		if (create.event.type !== CREATE || create.rejected) {
			return reject(n.roomIdIsCreateEvent, "the room ID does not name an accepted create event");
		}
	}

	const entries: AuthEventEntry[] = [];
	const missing: string[] = [];
	for (const id of event.auth_events) {
		const entry = lookup(id);
		if (entry) entries.push(entry);
		else missing.push(id);
	}
	if (missing.length > 0) throw new MissingAuthEventError(missing);

	// "Considering the event's auth_events:"
	const a = n.authEvents;
	// 3.1 "If there are duplicate entries for a given type and state_key pair, reject."
	const seen = new Set<string>();
	for (const { event: auth } of entries) {
		const key = stateKeyString(auth.type, auth.state_key ?? "");
		if (auth.state_key !== undefined && seen.has(key)) return reject(a.duplicate, `auth_events cite (${auth.type}, ${auth.state_key}) twice`);
		seen.add(key);
	}
	// 3.2 "If there are entries whose type and state_key don't match those specified by the auth events
	// selection algorithm described in the server specification, reject." (v12: the create event must not be cited)
	const expected = new Set(authTypesForEvent(rules, event.type, event.sender, event.state_key, event.content).map(([t, k]) => stateKeyString(t, k)));
	for (const { event: auth } of entries) {
		if (auth.state_key === undefined || !expected.has(stateKeyString(auth.type, auth.state_key))) {
			return reject(a.unexpected, `auth event ${auth.event_id} (${auth.type}) is not one the selection algorithm picks`);
		}
	}
	// 3.3 "If there are entries which were themselves rejected under the checks performed on receipt of a PDU, reject."
	for (const { event: auth, rejected } of entries) {
		if (rejected) return reject(a.rejected, `auth event ${auth.event_id} was rejected`);
	}
	// 2.4 (v1–v11) "If there is no m.room.create event among the entries, reject."
	if (a.noCreate !== undefined && !entries.some((e) => e.event.type === CREATE)) {
		return reject(a.noCreate, "auth_events cite no m.room.create event");
	}
	// 3.4 "If any event in auth_events has a room_id which does not match that of the event being authorised, reject."
	for (const { event: auth } of entries) {
		if (auth.room_id !== event.room_id) return reject(a.wrongRoom, `auth event ${auth.event_id} is in another room`);
	}
	return ALLOW;
}
