// Reading the few content fields the auth rules look at, without trusting their shape.
// Spec: https://spec.matrix.org/latest/client-server-api/#mroommember (and m.room.create, m.room.join_rules)

import type { JsonObject, JsonValue, RoomEvent } from "../events/pdu";
import { serverNameOf } from "../ids/server-name-of";
import type { AuthRules } from "../room-versions/rules";
import type { StateLookup } from "./result";

export const CREATE = "m.room.create";
export const MEMBER = "m.room.member";
export const POWER_LEVELS = "m.room.power_levels";
export const JOIN_RULES = "m.room.join_rules";
export const THIRD_PARTY_INVITE = "m.room.third_party_invite";
export const ALIASES = "m.room.aliases";
export const REDACTION = "m.room.redaction";

export function isObject(v: JsonValue | undefined): v is JsonObject {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function stringField(content: JsonObject, key: string): string | undefined {
	const v = content[key];
	return typeof v === "string" ? v : undefined;
}

/** `content.membership` of a member event, if it is a string. */
export function membershipOf(event: RoomEvent | undefined): string | undefined {
	return event ? stringField(event.content, "membership") : undefined;
}

/** A user's current membership in the given state; undefined when they have none (never joined). */
export function currentMembership(state: StateLookup, userId: string): string | undefined {
	return membershipOf(state(MEMBER, userId));
}

/** The current join rule. Without an `m.room.join_rules` event the room is treated as `invite`, as Synapse does. */
export function currentJoinRule(state: StateLookup): string {
	const event = state(JOIN_RULES, "");
	return (event && stringField(event.content, "join_rule")) ?? "invite";
}

/** True if both IDs have a server part and it is the same. */
export function sameServer(a: string, b: string): boolean {
	const sa = serverNameOf(a);
	return sa !== undefined && sa === serverNameOf(b);
}

/**
 * The room creators. v1–v10: `content.creator`; v11: the create event's `sender`; v12: the sender plus
 * `content.additional_creators`.
 */
export function roomCreators(flags: AuthRules, create: RoomEvent): string[] {
	if (!flags.creatorFromSender) {
		const creator = stringField(create.content, "creator");
		return creator === undefined ? [] : [creator];
	}
	const creators = [create.sender];
	const additional = create.content.additional_creators;
	if (flags.privilegedCreators && Array.isArray(additional)) {
		for (const u of additional) if (typeof u === "string") creators.push(u);
	}
	return creators;
}
