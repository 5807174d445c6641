import { describe, expect, it } from "vitest";
import {
	buildRuleset,
	conditionMatches,
	evaluatePushRules,
	globMatchesWhole,
	globMatchesWords,
	notificationOf,
	type PushContext,
	type PushEvent,
	splitPropertyPath,
	valueAtPath,
} from "../../../src/protocol/push";

const ME = "@me:example.org";
const CTX: PushContext = {
	userId: ME,
	roomId: "!room:example.org",
	displayName: "Mia",
	memberCount: 5,
	senderPowerLevel: 0,
	notificationLevel: () => 50,
};

function message(body: string, extra: Record<string, unknown> = {}): PushEvent {
	return { type: "m.room.message", sender: "@other:example.org", content: { msgtype: "m.text", body, ...extra } } as PushEvent;
}

describe("paths and globs (appendices)", () => {
	it("splits on unescaped dots", () => {
		expect(splitPropertyPath("content.m\\.relates_to.rel_type")).toEqual(["content", "m.relates_to", "rel_type"]);
		expect(splitPropertyPath("a\\\\.b")).toEqual(["a\\", "b"]);
		expect(valueAtPath({ content: { "m.mentions": { room: true } } }, "content.m\\.mentions.room")).toBe(true);
		expect(valueAtPath({ content: "x" }, "content.body")).toBeUndefined();
	});

	it("matches whole values and word-bounded substrings", () => {
		expect(globMatchesWhole("lunc?*", "Lunch plans")).toBe(true);
		expect(globMatchesWhole("lunc?*", " lunch")).toBe(false);
		expect(globMatchesWhole("lunc?*", "lunc")).toBe(false);
		expect(globMatchesWords("ex*ple", "An example event.")).toBe(true);
		expect(globMatchesWords("ex*ple", "exple")).toBe(true);
		expect(globMatchesWords("ex*ple", "An exciting triple-whammy")).toBe(true);
		expect(globMatchesWords("cake", "pancakes")).toBe(false);
		expect(globMatchesWords("a.b", "axb")).toBe(false);
	});
});

describe("conditions", () => {
	it("event_property_is and _contains compare exactly, without casting", () => {
		const create = { type: "m.room.create", sender: "@x:y", content: { "m.federate": true, alt: ["#a:b", 1] } } as PushEvent;
		expect(conditionMatches({ kind: "event_property_is", key: "content.m\\.federate", value: true }, create, CTX)).toBe(true);
		expect(conditionMatches({ kind: "event_property_is", key: "content.m\\.federate", value: "true" }, create, CTX)).toBe(false);
		expect(conditionMatches({ kind: "event_property_contains", key: "content.alt", value: "#a:b" }, create, CTX)).toBe(true);
		expect(conditionMatches({ kind: "event_property_contains", key: "content.alt", value: ":b" }, create, CTX)).toBe(false);
	});

	it("room_member_count, sender_notification_permission, display names and unknown kinds", () => {
		const ev = message("hi Mia!");
		expect(conditionMatches({ kind: "room_member_count", is: ">=5" }, ev, CTX)).toBe(true);
		expect(conditionMatches({ kind: "room_member_count", is: "2" }, ev, CTX)).toBe(false);
		expect(conditionMatches({ kind: "room_member_count", is: "<5" }, ev, CTX)).toBe(false);
		expect(conditionMatches({ kind: "sender_notification_permission", key: "room" }, ev, CTX)).toBe(false);
		expect(conditionMatches({ kind: "sender_notification_permission", key: "room" }, ev, { ...CTX, senderPowerLevel: 50 })).toBe(true);
		expect(conditionMatches({ kind: "contains_display_name" }, ev, CTX)).toBe(true);
		expect(conditionMatches({ kind: "contains_display_name" }, message("Miami"), CTX)).toBe(false);
		expect(conditionMatches({ kind: "org.example.future" }, ev, CTX)).toBe(false);
		expect(conditionMatches({ kind: "event_match", key: "content.missing", pattern: "*" }, ev, CTX)).toBe(false);
	});
});

describe("evaluatePushRules with the predefined rules", () => {
	const rules = buildRuleset(ME, [], []);

	it("notifies for messages, highlights mentions, stays quiet for notices, edits and reactions", () => {
		expect(evaluatePushRules(rules, message("hello"), CTX)).toEqual({ rule_id: ".m.rule.message", actions: ["notify"] });
		const mention = evaluatePushRules(rules, message("hey", { "m.mentions": { user_ids: [ME] } }), CTX);
		expect(mention?.rule_id).toBe(".m.rule.is_user_mention");
		expect(notificationOf(mention!.actions)).toEqual({ notify: true, highlight: true });
		expect(evaluatePushRules(rules, message("bot", { msgtype: "m.notice" }), CTX)?.actions).toEqual([]);
		expect(evaluatePushRules(rules, message("* fix", { "m.relates_to": { rel_type: "m.replace", event_id: "$x" } }), CTX)?.rule_id).toBe(".m.rule.suppress_edits");
		expect(evaluatePushRules(rules, { type: "m.reaction", sender: "@o:x", content: {} } as PushEvent, CTX)?.rule_id).toBe(".m.rule.reaction");
	});

	it("uses the one-to-one rules in rooms of two and the encrypted rules for ciphertext", () => {
		const encrypted = { type: "m.room.encrypted", sender: "@o:x", content: { algorithm: "m.megolm.v1.aes-sha2" } } as PushEvent;
		expect(evaluatePushRules(rules, encrypted, { ...CTX, memberCount: 2 })?.rule_id).toBe(".m.rule.encrypted_room_one_to_one");
		expect(evaluatePushRules(rules, encrypted, CTX)?.rule_id).toBe(".m.rule.encrypted");
		expect(evaluatePushRules(rules, message("x"), { ...CTX, memberCount: 2 })?.rule_id).toBe(".m.rule.room_one_to_one");
	});

	it("notifies invites for me, never for my own events, and nothing once master is on", () => {
		const invite = { type: "m.room.member", sender: "@o:x", state_key: ME, content: { membership: "invite" } } as PushEvent;
		expect(evaluatePushRules(rules, invite, CTX)?.rule_id).toBe(".m.rule.invite_for_me");
		expect(evaluatePushRules(rules, { ...message("me"), sender: ME }, CTX)).toBeNull();
		const muted = buildRuleset(ME, [{ kind: "override", rule_id: "loud", enabled: true, body: { actions: ["notify"], conditions: [] } }], [
			{ kind: "override", rule_id: ".m.rule.master", enabled: true, actions: [] },
		]);
		expect(evaluatePushRules(muted, message("x"), CTX)).toEqual({ rule_id: ".m.rule.master", actions: [] });
	});

	it("applies user content, room and sender rules before the underride defaults", () => {
		const custom = buildRuleset(
			ME,
			[
				{ kind: "content", rule_id: "cake", enabled: true, body: { actions: ["notify", { set_tweak: "sound", value: "cake" }], pattern: "cake*" } },
				{ kind: "room", rule_id: CTX.roomId, enabled: true, body: { actions: [] } },
				{ kind: "sender", rule_id: "@spam:x", enabled: true, body: { actions: [] } },
			],
			[],
		);
		expect(evaluatePushRules(custom, message("cakes for all"), CTX)?.rule_id).toBe("cake");
		expect(evaluatePushRules(custom, message("plain"), CTX)?.rule_id).toBe(CTX.roomId);
		expect(evaluatePushRules(custom, { ...message("plain"), sender: "@spam:x" }, { ...CTX, roomId: "!other:x" })?.rule_id).toBe("@spam:x");
		expect(notificationOf([{ set_tweak: "highlight", value: false }, "notify"])).toEqual({ notify: true, highlight: false });
	});
});
