// The redaction algorithm: which keys of an event survive redaction, per room version.
// Spec: https://spec.matrix.org/latest/client-server-api/#redactions and the "Redactions" section of
// each room version (https://spec.matrix.org/latest/rooms/v1/#redactions, v6, v8, v9, v11).
//
// Redaction is not only for m.room.redaction: signatures and reference hashes (event IDs) are computed
// over the redacted form, so every byte this module keeps or drops changes event IDs.

import { MatrixError } from "../errors";
import type { RedactionRules, RoomVersionRules } from "../room-versions/rules";
import type { EventJson, JsonObject, JsonValue, Pdu } from "./pdu";

/** Top-level keys that every room version keeps. `unsigned` is not among them. */
const KEPT_TOP_LEVEL_KEYS = [
	"event_id",
	"type",
	"room_id",
	"sender",
	"state_key",
	"content",
	"hashes",
	"signatures",
	"depth",
	"prev_events",
	"auth_events",
	"origin_server_ts",
] as const;

/** Kept by v1–v10 only; v11 stopped protecting them (`keepOriginMembershipPrevState`). */
const LEGACY_TOP_LEVEL_KEYS = ["origin", "membership", "prev_state"] as const;

const POWER_LEVELS_KEYS = ["ban", "events", "events_default", "kick", "redact", "state_default", "users", "users_default"];

/**
 * Returns the redacted copy of an event under the rules of its room version. Nested values are shared
 * with the input, not copied: treat both as immutable.
 *
 * Throws M_BAD_JSON if `content` is present but not an object (no room version can redact that).
 */
export function redactEvent(pdu: Pdu, rules: RoomVersionRules): Pdu;
export function redactEvent(event: EventJson, rules: RoomVersionRules): EventJson;
export function redactEvent(event: EventJson, rules: RoomVersionRules): EventJson {
	const out: EventJson = {};
	for (const key of KEPT_TOP_LEVEL_KEYS) copyIfPresent(event, out, key);
	if (rules.redaction.keepOriginMembershipPrevState) {
		for (const key of LEGACY_TOP_LEVEL_KEYS) copyIfPresent(event, out, key);
	}

	const content = event.content;
	if (content !== undefined) {
		if (!isJsonObject(content)) throw new MatrixError("M_BAD_JSON", "event content must be an object");
		const type = typeof event.type === "string" ? event.type : "";
		out.content = redactContent(type, content, rules.redaction);
	}
	return out;
}

/** The content keys one event type keeps (spec: "The content object must also be stripped of all keys, unless ..."). */
function redactContent(type: string, content: JsonObject, rules: RedactionRules): JsonObject {
	switch (type) {
		case "m.room.member": {
			const out = pick(content, ["membership"]);
			if (rules.keepMemberJoinAuthorisedViaUsersServer) copyIfPresent(content, out, "join_authorised_via_users_server");
			if (rules.keepMemberThirdPartyInviteSigned) {
				// v11: "allows the `signed` key of the `third_party_invite` key". Like Synapse, an object
				// without `signed` stays as `{}`, so our reference hashes match the network's majority.
				const invite = content.third_party_invite;
				if (isJsonObject(invite)) out.third_party_invite = pick(invite, ["signed"]);
			}
			return out;
		}
		case "m.room.create":
			// v11 (MSC2176): the create event is the room's root of trust, so its content is never redacted.
			return rules.keepAllCreateContent ? { ...content } : pick(content, ["creator"]);
		case "m.room.join_rules":
			return pick(content, rules.keepJoinRulesAllow ? ["join_rule", "allow"] : ["join_rule"]);
		case "m.room.power_levels":
			return pick(content, rules.keepPowerLevelsInvite ? [...POWER_LEVELS_KEYS, "invite"] : POWER_LEVELS_KEYS);
		case "m.room.aliases":
			// v6 removed the aliases special case from the auth rules, and with it this exception.
			return rules.keepRoomAliasesAliases ? pick(content, ["aliases"]) : {};
		case "m.room.history_visibility":
			return pick(content, ["history_visibility"]);
		case "m.room.redaction":
			// v11 moved `redacts` into content, so it must survive redaction for auth to still work.
			return rules.keepRedactionRedacts ? pick(content, ["redacts"]) : {};
		default:
			return {};
	}
}

function pick(obj: JsonObject, keys: readonly string[]): JsonObject {
	const out: JsonObject = {};
	for (const key of keys) copyIfPresent(obj, out, key);
	return out;
}

function copyIfPresent(from: EventJson, to: EventJson, key: string): void {
	// Own properties only: a key named `__proto__` or `toString` must not match something inherited.
	if (Object.hasOwn(from, key) && from[key] !== undefined) to[key] = from[key];
}

function isJsonObject(value: JsonValue | undefined): value is JsonObject {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}
