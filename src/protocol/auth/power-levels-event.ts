// Rule 10 (v12 numbering; 9 in v6–v11, 10 in v1–v5): m.room.power_levels events.
// Spec: https://spec.matrix.org/latest/rooms/v12/#authorization-rules, https://spec.matrix.org/latest/rooms/v10/#authorization-rules

import type { RoomEvent } from "../events/pdu";
import { parseUserId } from "../ids/user-id";
import type { RoomVersionRules } from "../room-versions/rules";
import { isObject } from "./content";
import { parsePowerLevelsStrict, parsePowerLevelValue, POWER_LEVEL_FIELD_NAMES, type RoomPower } from "./power-levels";
import { ALLOW, type AuthResult, reject } from "./result";
import { ruleNumbers } from "./rule-numbers";

/** Keys whose level was added, changed or removed between two maps, with the old and new values. */
function* changes(current: Map<string, number>, next: Map<string, number>): Generator<[string, number | undefined, number | undefined]> {
	for (const key of new Set([...current.keys(), ...next.keys()])) {
		const before = current.get(key);
		const after = next.get(key);
		if (before !== after) yield [key, before, after];
	}
}

export function checkPowerLevelsEvent(rules: RoomVersionRules, event: RoomEvent, power: RoomPower, senderLevel: number): AuthResult {
	const n = ruleNumbers(rules.auth).powerLevels;
	const flags = rules.auth;
	const content = event.content;
	// 10.1 (v10+) "If any of the properties users_default, events_default, state_default, ban, redact, kick,
	// or invite in content are present and not an integer, reject."
	if (n.integers !== undefined) {
		for (const name of POWER_LEVEL_FIELD_NAMES) {
			if (content[name] !== undefined && parsePowerLevelValue(flags, content[name]) === undefined) return reject(n.integers, `${name} is not an integer`);
		}
	}
	// 10.2 (v10+) "If either of the properties events or notifications in content are present and not an
	// object with values that are integers, reject."
	if (n.maps !== undefined) {
		for (const name of ["events", "notifications"]) {
			const map = content[name];
			if (map === undefined) continue;
			if (!isObject(map) || Object.values(map).some((v) => parsePowerLevelValue(flags, v) === undefined)) {
				return reject(n.maps, `${name} is not an object of integers`);
			}
		}
	}
	// 10.3 "If the users property in content is not an object with keys that are valid user IDs with values
	// that are integers, reject." (v1–v9: "integers (or a string that is an integer)")
	const users = content.users;
	if (users !== undefined) {
		if (!isObject(users)) return reject(n.users, "users is not an object");
		for (const [userId, level] of Object.entries(users)) {
			if (parseUserId(userId) === undefined) return reject(n.users, `users has a key that is not a user ID`);
			if (parsePowerLevelValue(flags, level) === undefined) return reject(n.users, `the level of ${userId} is not an integer`);
		}
	}
	// v1–v9 number no rule for the other values, but a value that is not a level cannot be compared;
	// Synapse and ruma reject such events too, so we do, under the rule's section number.
	const next = parsePowerLevelsStrict(flags, content);
	if ("key" in next) return reject(n.section, `${next.key} holds a value that is not a power level`);
	// 10.4 (v12) "If the users property in content contains the sender of the m.room.create event or any of
	// the additional_creators array (if present) from the content of the m.room.create event, reject."
	if (n.creatorsInUsers !== undefined) {
		const listed = power.creators.find((creator) => next.users.has(creator));
		if (listed !== undefined) return reject(n.creatorsInUsers, `the creator ${listed} may not be listed in users`);
	}
	// 10.5 "If there is no previous m.room.power_levels event in the room, allow."
	const current = power.levels;
	if (!current) return ALLOW;
	// 10.6 "For the properties users_default, events_default, state_default, ban, redact, kick, invite check if
	// they were added, changed or removed. For each found alteration:"
	for (const name of POWER_LEVEL_FIELD_NAMES) {
		const before = current.fields[name];
		const after = next.fields[name];
		if (before === after) continue;
		// 10.6.1 "If the current value is higher than the sender's current power level, reject."
		if (before !== undefined && before > senderLevel) return reject(n.fields.current, `the current ${name} is above the sender's level`);
		// 10.6.2 "If the new value is higher than the sender's current power level, reject."
		if (after !== undefined && after > senderLevel) return reject(n.fields.new, `the new ${name} is above the sender's level`);
	}
	// The events map, and from v6 the notifications map ("limitNotificationsPowerLevels").
	const maps: [string, Map<string, number>, Map<string, number>][] = [["events", current.events, next.events]];
	if (flags.limitNotificationsPowerLevels) maps.push(["notifications", current.notifications, next.notifications]);
	// 10.7 "For each entry being changed in, or removed from, the events or notifications properties:"
	// 10.7.1 "If the current value is greater than the sender's current power level, reject."
	for (const [name, before, after] of maps) {
		for (const [key, old] of changes(before, after)) {
			if (old !== undefined && old > senderLevel) return reject(n.mapsCurrent, `the current ${name}[${key}] is above the sender's level`);
		}
	}
	// 10.8 "For each entry being added to, or changed in, the events or notifications properties:"
	// 10.8.1 "If the new value is greater than the sender's current power level, reject."
	for (const [name, before, after] of maps) {
		for (const [key, , value] of changes(before, after)) {
			if (value !== undefined && value > senderLevel) return reject(n.mapsNew, `the new ${name}[${key}] is above the sender's level`);
		}
	}
	// 10.9 "For each entry being changed in, or removed from, the users property, other than the sender's own entry:"
	// 10.9.1 "If the current value is greater than or equal to the sender's current power level, reject."
	for (const [userId, old] of changes(current.users, next.users)) {
		if (userId !== event.sender && old !== undefined && old >= senderLevel) {
			return reject(n.usersCurrent, `the sender may not change the level of ${userId}`);
		}
	}
	// 10.10 "For each entry being added to, or changed in, the users property:"
	// 10.10.1 "If the new value is greater than the sender's current power level, reject."
	for (const [userId, , value] of changes(current.users, next.users)) {
		if (value !== undefined && value > senderLevel) return reject(n.usersNew, `the new level of ${userId} is above the sender's level`);
	}
	// 10.11 "Otherwise, allow."
	return ALLOW;
}
