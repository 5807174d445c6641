// The ordered events that make a new room, per the createRoom "Creation" steps.
// Spec: https://spec.matrix.org/latest/client-server-api/#creation and
// https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3createroom (presets, power levels)

import type { EventTemplate } from "../events/build-event";
import type { JsonObject } from "../events/pdu";
import type { RoomVersionRules } from "../room-versions/rules";
import type { CreateRoomRequest, InitialStateEvent } from "./create-room-request";

export const MEGOLM_ALGORITHM = "m.megolm.v1.aes-sha2";

export interface CreateRoomOptions {
	rules: RoomVersionRules;
	creator: string;
	request: CreateRoomRequest;
	/** `#alias:server` when room_alias_name was given (the route reserves it first). */
	canonical_alias?: string;
	/** config.encryptNewRooms: add m.room.encryption unless initial_state sets it. */
	encrypt: boolean;
	/** The creator's profile, copied into their join event as clients expect. */
	creator_profile?: { displayname?: string; avatar_url?: string };
}

export interface CreateRoomPlan {
	create: EventTemplate;
	/** Everything after the create event, in the order the spec requires. */
	rest: EventTemplate[];
}

/** Presets: join rule, history visibility, guest access, and whether invitees get the creator's power. */
const PRESET_STATE = {
	private_chat: { join_rule: "invite", history_visibility: "shared", guest_access: "can_join", invitees_have_ops: false },
	trusted_private_chat: { join_rule: "invite", history_visibility: "shared", guest_access: "can_join", invitees_have_ops: true },
	public_chat: { join_rule: "public", history_visibility: "shared", guest_access: "forbidden", invitees_have_ops: false },
} as const;

/** The create event's content: creation_content with the keys the server owns overwritten. */
export function createEventContent(options: CreateRoomOptions): JsonObject {
	const { rules, creator, request } = options;
	const content: JsonObject = { ...request.creation_content, room_version: rules.id };
	// v1–v10 name the creator in content; from v11 the sender is the creator and `creator` is not set.
	if (rules.auth.creatorFromSender) delete content.creator;
	else content.creator = creator;
	if (rules.auth.privilegedCreators) {
		const extra = Array.isArray(content.additional_creators) ? content.additional_creators : [];
		// "For trusted_private_chat, the users specified in the invite parameter SHOULD also be appended to additional_creators."
		const invitees = request.preset === "trusted_private_chat" ? request.invite : [];
		const all = [...new Set([...extra, ...invitees])].filter((u) => u !== creator);
		if (all.length > 0) content.additional_creators = all;
		else delete content.additional_creators;
	} else {
		delete content.additional_creators;
	}
	return content;
}

/** The default power levels, as Synapse and the spec's "give the creator (and not other members)" describe. */
export function defaultPowerLevels(options: CreateRoomOptions): JsonObject {
	const { rules, creator, request } = options;
	const preset = PRESET_STATE[request.preset];
	const users: JsonObject = {};
	// v12: "the room creator is given infinite power level and cannot be specified in the users field".
	if (!rules.auth.privilegedCreators) {
		users[creator] = 100;
		if (preset.invitees_have_ops) for (const u of request.invite) users[u] = 100;
	}
	return {
		users,
		users_default: 0,
		events: {
			"m.room.name": 50,
			"m.room.power_levels": 100,
			"m.room.history_visibility": 100,
			"m.room.canonical_alias": 50,
			"m.room.avatar": 50,
			// v12: "the power level for sending m.room.tombstone events MUST explicitly be higher than state_default".
			"m.room.tombstone": rules.auth.privilegedCreators ? 150 : 100,
			"m.room.server_acl": 100,
			"m.room.encryption": 100,
		},
		events_default: 0,
		state_default: 50,
		ban: 50,
		kick: 50,
		redact: 50,
		invite: request.preset === "public_chat" ? 50 : 0,
	};
}

/** initial_state with later duplicates of a (type, state_key) replacing earlier ones in place. */
function dedupeInitialState(events: readonly InitialStateEvent[]): InitialStateEvent[] {
	const byKey = new Map<string, InitialStateEvent>();
	for (const e of events) byKey.set(JSON.stringify([e.type, e.state_key]), e);
	return [...byKey.values()];
}

/**
 * The room's first events. Order: create; the creator's join; power levels (default merged with
 * power_level_content_override, unless initial_state sets them); canonical alias; preset events not
 * overridden by initial_state; initial_state (including our default encryption); name, topic; invites.
 */
export function createRoomEvents(options: CreateRoomOptions): CreateRoomPlan {
	const { creator, request } = options;
	const state = (type: string, content: JsonObject, stateKey = ""): EventTemplate => ({ type, state_key: stateKey, sender: creator, content });
	const initial = dedupeInitialState(request.initial_state).filter(
		// The create event and the creator's own membership are the server's; initial_state cannot replace them.
		(e) => e.type !== "m.room.create" && !(e.type === "m.room.member" && e.state_key === creator),
	);
	const inInitial = (type: string) => initial.some((e) => e.type === type && e.state_key === "");

	const rest: EventTemplate[] = [];
	const join: JsonObject = { membership: "join" };
	if (options.creator_profile?.displayname !== undefined) join.displayname = options.creator_profile.displayname;
	if (options.creator_profile?.avatar_url !== undefined) join.avatar_url = options.creator_profile.avatar_url;
	rest.push(state("m.room.member", join, creator));

	const powerInInitial = initial.find((e) => e.type === "m.room.power_levels" && e.state_key === "");
	const power = powerInInitial?.content ?? { ...defaultPowerLevels(options), ...(request.power_level_content_override ?? {}) };
	rest.push(state("m.room.power_levels", power));

	if (options.canonical_alias !== undefined) rest.push(state("m.room.canonical_alias", { alias: options.canonical_alias }));

	const preset = PRESET_STATE[request.preset];
	if (!inInitial("m.room.join_rules")) rest.push(state("m.room.join_rules", { join_rule: preset.join_rule }));
	if (!inInitial("m.room.history_visibility")) rest.push(state("m.room.history_visibility", { history_visibility: preset.history_visibility }));
	if (!inInitial("m.room.guest_access")) rest.push(state("m.room.guest_access", { guest_access: preset.guest_access }));

	for (const e of initial) {
		if (e === powerInInitial) continue;
		if (e.type === "m.room.name" && request.name !== undefined) continue;
		if (e.type === "m.room.topic" && e.state_key === "" && request.topic !== undefined) continue;
		rest.push(state(e.type, e.content, e.state_key));
	}
	if (options.encrypt && !inInitial("m.room.encryption")) rest.push(state("m.room.encryption", { algorithm: MEGOLM_ALGORITHM }));

	if (request.name !== undefined) rest.push(state("m.room.name", { name: request.name }));
	if (request.topic !== undefined) rest.push(state("m.room.topic", topicContent(request.topic)));

	for (const invitee of request.invite) {
		if (invitee === creator) continue;
		const content: JsonObject = { membership: "invite" };
		if (request.is_direct) content.is_direct = true;
		rest.push(state("m.room.member", content, invitee));
	}
	return { create: { type: "m.room.create", state_key: "", sender: creator, content: createEventContent(options) }, rest };
}

/** m.room.topic with the plain `topic` and, since v1.15, the `m.topic` text representation. */
function topicContent(topic: string): JsonObject {
	return { topic, "m.topic": { "m.text": [{ body: topic, mimetype: "text/plain" }] } };
}
