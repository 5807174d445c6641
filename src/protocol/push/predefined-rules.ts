// The server-default push rules, exactly as the spec's "Predefined Rules" lists them (v1.17+: the legacy
// body-matching mention rules .m.rule.contains_display_name, .m.rule.roomnotif and
// .m.rule.contains_user_name were removed from the spec, so we do not serve them).
// Spec: https://spec.matrix.org/latest/client-server-api/#predefined-rules

import type { PushAction, PushRule, RuleKind } from "./types";

const SOUND_DEFAULT: PushAction = { set_tweak: "sound", value: "default" };
const HIGHLIGHT: PushAction = { set_tweak: "highlight" };

function rule(rule_id: string, conditions: PushRule["conditions"], actions: PushAction[], enabled = true): PushRule {
	return { rule_id, default: true, enabled, conditions, actions };
}

function eventMatch(key: string, pattern: string): { kind: string; key: string; pattern: string } {
	return { kind: "event_match", key, pattern };
}

/** `.m.rule.master`: always checked first, even before user-defined override rules. */
export const MASTER_RULE_ID = ".m.rule.master";

/** Default override rules, in spec order (master first). */
function overrideRules(userId: string): PushRule[] {
	return [
		rule(MASTER_RULE_ID, [], [], false),
		rule(".m.rule.suppress_notices", [eventMatch("content.msgtype", "m.notice")], []),
		rule(
			".m.rule.invite_for_me",
			[eventMatch("type", "m.room.member"), eventMatch("content.membership", "invite"), eventMatch("state_key", userId)],
			["notify", SOUND_DEFAULT],
		),
		rule(".m.rule.member_event", [eventMatch("type", "m.room.member")], []),
		rule(
			".m.rule.is_user_mention",
			[{ kind: "event_property_contains", key: "content.m\\.mentions.user_ids", value: userId }],
			["notify", SOUND_DEFAULT, HIGHLIGHT],
		),
		rule(
			".m.rule.is_room_mention",
			[
				{ kind: "event_property_is", key: "content.m\\.mentions.room", value: true },
				{ kind: "sender_notification_permission", key: "room" },
			],
			["notify", HIGHLIGHT],
		),
		rule(".m.rule.tombstone", [eventMatch("type", "m.room.tombstone"), eventMatch("state_key", "")], ["notify", HIGHLIGHT]),
		rule(".m.rule.reaction", [eventMatch("type", "m.reaction")], []),
		rule(".m.rule.room.server_acl", [eventMatch("type", "m.room.server_acl"), eventMatch("state_key", "")], []),
		rule(".m.rule.suppress_edits", [{ kind: "event_property_is", key: "content.m\\.relates_to.rel_type", value: "m.replace" }], []),
	];
}

/** Default underride rules, in spec order. */
function underrideRules(): PushRule[] {
	return [
		rule(".m.rule.call", [eventMatch("type", "m.call.invite")], ["notify", { set_tweak: "sound", value: "ring" }]),
		rule(
			".m.rule.encrypted_room_one_to_one",
			[{ kind: "room_member_count", is: "2" }, eventMatch("type", "m.room.encrypted")],
			["notify", SOUND_DEFAULT],
		),
		rule(".m.rule.room_one_to_one", [{ kind: "room_member_count", is: "2" }, eventMatch("type", "m.room.message")], ["notify", SOUND_DEFAULT]),
		rule(".m.rule.message", [eventMatch("type", "m.room.message")], ["notify"]),
		rule(".m.rule.encrypted", [eventMatch("type", "m.room.encrypted")], ["notify"]),
	];
}

/** Every server-default rule for `userId`, per kind, in priority order (fresh objects on each call). */
export function predefinedRules(userId: string): Record<RuleKind, PushRule[]> {
	return { override: overrideRules(userId), content: [], room: [], sender: [], underride: underrideRules() };
}

/** Server-default rule IDs start with a dot; clients may not create such IDs. */
export function isServerDefaultRuleId(ruleId: string): boolean {
	return ruleId.startsWith(".");
}
