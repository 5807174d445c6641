// Restricted rooms (v8+ `restricted`, v10+ `knock_restricted`) as a resident server sees a remote join:
// which allowed rooms a user who is neither joined nor invited must be in (the bridge asks those rooms),
// and which local member vouches for the join in `join_authorised_via_users_server` (one who is joined
// and may invite). No network calls. Spec: https://spec.matrix.org/latest/server-server-api/#restricted-rooms,
// https://spec.matrix.org/latest/client-server-api/#restricted-rooms

import { namedLevel, roomPower, userPowerLevel } from "../../protocol/auth";
import type { RoomEvent } from "../../protocol/events/pdu";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import type { RoomVersionRules } from "../../protocol/room-versions/rules";

/** Current state by (type, state_key), parsed. */
export type CurrentLookup = (type: string, stateKey: string) => RoomEvent | undefined;

/** At most this many allow rules are looked at: each costs the bridge a room lookup. */
const MAX_ALLOW_ROOMS = 20;

function isRestricted(rules: RoomVersionRules, joinRule: unknown): boolean {
	return (rules.auth.restrictedJoinRule && joinRule === "restricted") || (rules.auth.knockRestrictedJoinRule && joinRule === "knock_restricted");
}

/**
 * The room IDs of the `m.room_membership` allow rules when `userId` needs them to join (the join rule is
 * restricted and they are neither joined nor invited); null when the join needs no authorisation.
 */
export function allowRoomsFor(rules: RoomVersionRules, state: CurrentLookup, userId: string): string[] | null {
	const joinRules = state("m.room.join_rules", "");
	if (!isRestricted(rules, joinRules?.content.join_rule)) return null;
	const membership = state("m.room.member", userId)?.content.membership;
	if (membership === "join" || membership === "invite") return null;
	const allow = joinRules!.content.allow;
	if (!Array.isArray(allow)) return [];
	return allow
		.flatMap((rule) => (typeof rule === "object" && rule !== null && !Array.isArray(rule) && rule.type === "m.room_membership" && typeof rule.room_id === "string" ? [rule.room_id] : []))
		.slice(0, MAX_ALLOW_ROOMS);
}

/** A local member who is joined and whose power level reaches `invite` (highest first), or null. */
export function authorisingUser(rules: RoomVersionRules, state: CurrentLookup, members: readonly string[], serverName: string): string | null {
	const power = roomPower(rules.auth, state);
	const needed = namedLevel(power, "invite");
	const able = members
		.filter((u) => serverNameOf(u) === serverName && state("m.room.member", u)?.content.membership === "join")
		.map((u) => ({ u, level: userPowerLevel(power, u) }))
		.filter((m) => m.level >= needed)
		.sort((a, b) => b.level - a.level || (a.u < b.u ? -1 : 1));
	return able[0]?.u ?? null;
}
