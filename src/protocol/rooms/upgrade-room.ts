// Room upgrades as data: the replacement room's first events (state copied from the old room) and the old
// room's restricted power levels after its tombstone.
// Spec: https://spec.matrix.org/latest/client-server-api/#server-behaviour-19 (room upgrades)

import type { EventTemplate } from "../events/build-event";
import type { JsonObject, RoomEvent } from "../events/pdu";
import type { RoomVersionRules } from "../room-versions/rules";
import type { CreateRoomPlan } from "./create-room-events";

/** "Copies transferable state events": the room's settings, in the order they are re-sent. */
export const UPGRADE_COPIED_STATE = [
	"m.room.join_rules",
	"m.room.history_visibility",
	"m.room.guest_access",
	"m.room.name",
	"m.room.topic",
	"m.room.avatar",
	"m.room.encryption",
	"m.room.server_acl",
] as const;

export interface UpgradeInput {
	rules: RoomVersionRules;
	upgrader: string;
	old_room_id: string;
	/** The old room's newest event: `predecessor.event_id`. */
	last_event_id: string;
	/** The old room's current state events. */
	old_state: readonly RoomEvent[];
	/** v12: the request's `additional_creators`. */
	additional_creators?: readonly string[];
}

function find(state: readonly RoomEvent[], type: string, stateKey = ""): RoomEvent | undefined {
	return state.find((e) => e.type === type && e.state_key === stateKey);
}

function isObject(v: unknown): v is JsonObject {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The replacement room: a create event naming its predecessor (keeping `type` and `m.federate`), the
 * upgrader's join, the old power levels (v12: creators removed from `users`), the copied settings, and
 * the old room's bans.
 */
export function upgradeRoomEvents(input: UpgradeInput): CreateRoomPlan {
	const { rules, upgrader, old_state } = input;
	const oldCreate = find(old_state, "m.room.create")?.content ?? {};
	const createContent: JsonObject = { room_version: rules.id, predecessor: { room_id: input.old_room_id, event_id: input.last_event_id } };
	for (const key of ["type", "m.federate"]) if (oldCreate[key] !== undefined) createContent[key] = oldCreate[key]!;
	if (!rules.auth.creatorFromSender) createContent.creator = upgrader;
	const extraCreators = rules.auth.privilegedCreators ? (input.additional_creators ?? []).filter((u) => u !== upgrader) : [];
	if (extraCreators.length > 0) createContent.additional_creators = [...new Set(extraCreators)];

	const state = (type: string, content: JsonObject, stateKey = ""): EventTemplate => ({ type, state_key: stateKey, sender: upgrader, content });
	const rest: EventTemplate[] = [state("m.room.member", { membership: "join" }, upgrader)];

	const power: JsonObject = { ...(find(old_state, "m.room.power_levels")?.content ?? {}) };
	const users: JsonObject = isObject(power.users) ? { ...power.users } : {};
	if (rules.auth.privilegedCreators) {
		// v12: creators cannot be listed in users; their power is infinite.
		for (const creator of [upgrader, ...extraCreators]) delete users[creator];
	} else {
		const level = users[upgrader];
		if (typeof level !== "number" || level < 100) users[upgrader] = 100;
	}
	power.users = users;
	rest.push(state("m.room.power_levels", power));

	for (const type of UPGRADE_COPIED_STATE) {
		const event = find(old_state, type);
		if (event) rest.push(state(type, event.content));
	}
	for (const event of old_state) {
		if (event.type === "m.room.member" && event.state_key !== undefined && event.content.membership === "ban") {
			rest.push(state("m.room.member", { membership: "ban" }, event.state_key));
		}
	}
	return { create: { type: "m.room.create", state_key: "", sender: upgrader, content: createContent }, rest };
}

/**
 * The old room after its tombstone: "the server SHOULD ... set events_default and invite to the greater
 * of 50 and users_default + 1", so ordinary members can no longer talk or invite there.
 */
export function restrictedPowerLevels(old: JsonObject): JsonObject {
	const usersDefault = typeof old.users_default === "number" ? old.users_default : 0;
	const level = Math.max(50, usersDefault + 1);
	return { ...old, events_default: level, invite: level };
}
