// The rules checked against a room state: federation, aliases (v1–v5), membership, power, redaction (v1–v2).
// Spec: https://spec.matrix.org/latest/rooms/v12/#authorization-rules (v1 and v3 pages for the older rules)

import type { RoomEvent } from "../events/pdu";
import { serverNameOf } from "../ids/server-name-of";
import type { RoomVersionRules } from "../room-versions/rules";
import { ALIASES, CREATE, currentMembership, MEMBER, POWER_LEVELS, REDACTION, sameServer, THIRD_PARTY_INVITE } from "./content";
import { checkMemberEvent } from "./member";
import type { AuthOptions } from "./options";
import { checkPowerLevelsEvent } from "./power-levels-event";
import { namedLevel, requiredEventLevel, roomPower, userPowerLevel } from "./power-levels";
import { ALLOW, type AuthResult, reject, type StateLookup } from "./result";
import { ruleNumbers } from "./rule-numbers";

/**
 * Checks the state-dependent rules against `state`: the state named by the event's auth events, the
 * state before the event, or the current state (the spec's checks on receipt run all three).
 * `state` must answer `(m.room.create, "")` in every room version, v12 included.
 */
export async function checkStateDependentAuthRules(
	rules: RoomVersionRules,
	event: RoomEvent,
	state: StateLookup,
	options: AuthOptions = {},
): Promise<AuthResult> {
	const n = ruleNumbers(rules.auth);
	// Rule 1 decides m.room.create on its own (checkStateIndependentAuthRules).
	if (event.type === CREATE) return ALLOW;
	const create = state(CREATE, "");
	if (!create) return reject(n.authEvents.noCreate ?? n.roomIdIsCreateEvent ?? n.authEvents.section, "the state has no m.room.create event");

	// 4. "If the content of the m.room.create event in the room state has the property m.federate set to
	// false, and the sender domain of the event does not match the sender domain of the create event, reject."
	if (create.content["m.federate"] === false && !sameServer(event.sender, create.sender)) {
		return reject(n.federate, "the room does not federate");
	}

	// (v1–v5 rule 4) "If type is m.room.aliases:"
	if (n.aliases && event.type === ALIASES) {
		// 4.1 "If event has no state_key, reject."
		if (event.state_key === undefined) return reject(n.aliases.noStateKey, "m.room.aliases without a state_key");
		// 4.2 "If sender's domain doesn't match state_key, reject."
		if (serverNameOf(event.sender) !== event.state_key) return reject(n.aliases.wrongDomain, "state_key is not the sender's domain");
		// 4.3 "Otherwise, allow."
		return ALLOW;
	}

	const power = roomPower(rules.auth, state);
	// 5. "If type is m.room.member:"
	if (event.type === MEMBER) return checkMemberEvent(rules, event, state, power, create, options);

	// 6. "If the sender's current membership state is not join, reject."
	if (currentMembership(state, event.sender) !== "join") return reject(n.senderNotJoined, "the sender is not joined");

	const senderLevel = userPowerLevel(power, event.sender);
	// 7. "If type is m.room.third_party_invite:"
	// 7.1 "Allow if and only if sender's current power level is greater than or equal to the invite level."
	if (event.type === THIRD_PARTY_INVITE) {
		return senderLevel >= namedLevel(power, "invite") ? ALLOW : reject(`${n.thirdPartyInvite}.1`, "the sender may not invite");
	}

	// 8. "If the event type's required power level is greater than the sender's power level, reject."
	if (requiredEventLevel(power, event.type, event.state_key) > senderLevel) {
		return reject(n.requiredPower, `the sender's level is below the level required for ${event.type}`);
	}

	// 9. "If the event has a state_key that starts with an @ and does not match the sender, reject."
	if (event.state_key?.startsWith("@") && event.state_key !== event.sender) {
		return reject(n.stateKeyUser, "state_key names another user");
	}

	// 10. "If type is m.room.power_levels:"
	if (event.type === POWER_LEVELS) return checkPowerLevelsEvent(rules, event, power, senderLevel);

	// 11. (v1–v2) "If type is m.room.redaction:"
	if (n.redaction && event.type === REDACTION) {
		// 11.1 "If the sender's power level is greater than or equal to the redact level, allow."
		if (senderLevel >= namedLevel(power, "redact")) return ALLOW;
		// 11.2 "If the domain of the event_id of the event being redacted is the same as the domain of the
		// event_id of the m.room.redaction, allow."
		if (event.redacts !== undefined && sameServer(event.redacts, event.event_id)) return ALLOW;
		// 11.3 "Otherwise, reject."
		return reject(n.redaction.otherwise, "the sender may not redact events from another server");
	}

	// 11. "Otherwise, allow." (12 in v1–v2)
	return ALLOW;
}
