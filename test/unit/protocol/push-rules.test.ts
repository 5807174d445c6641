import { describe, expect, it } from "vitest";
import {
	buildRuleset,
	checkUserRuleId,
	parseActions,
	parseUserRuleBody,
	placeRule,
	predefinedRules,
	type StoredUserRule,
} from "../../../src/protocol/push";
import { errcodeOf } from "../helpers/errcode";

const ALICE = "@alice:example.org";


describe("predefined rules", () => {
	it("lists the spec's override and underride rules in order, with master disabled", () => {
		const rules = predefinedRules(ALICE);
		expect(rules.override.map((r) => r.rule_id)).toEqual([
			".m.rule.master",
			".m.rule.suppress_notices",
			".m.rule.invite_for_me",
			".m.rule.member_event",
			".m.rule.is_user_mention",
			".m.rule.is_room_mention",
			".m.rule.tombstone",
			".m.rule.reaction",
			".m.rule.room.server_acl",
			".m.rule.suppress_edits",
		]);
		expect(rules.underride.map((r) => r.rule_id)).toEqual([
			".m.rule.call",
			".m.rule.encrypted_room_one_to_one",
			".m.rule.room_one_to_one",
			".m.rule.message",
			".m.rule.encrypted",
		]);
		expect(rules.content).toEqual([]);
		expect(rules.override[0]).toEqual({ rule_id: ".m.rule.master", default: true, enabled: false, conditions: [], actions: [] });
		expect([...rules.override, ...rules.underride].slice(1).every((r) => r.enabled && r.default)).toBe(true);
	});

	it("names the user in invite_for_me and is_user_mention", () => {
		const rules = predefinedRules(ALICE);
		const invite = rules.override.find((r) => r.rule_id === ".m.rule.invite_for_me");
		expect(invite?.conditions).toContainEqual({ kind: "event_match", key: "state_key", pattern: ALICE });
		const mention = rules.override.find((r) => r.rule_id === ".m.rule.is_user_mention");
		expect(mention?.conditions).toEqual([{ kind: "event_property_contains", key: "content.m\\.mentions.user_ids", value: ALICE }]);
		expect(mention?.actions).toEqual(["notify", { set_tweak: "sound", value: "default" }, { set_tweak: "highlight" }]);
	});

	it("matches the spec's definitions of the one-to-one and tombstone rules", () => {
		const rules = predefinedRules(ALICE);
		expect(rules.underride[1]).toEqual({
			rule_id: ".m.rule.encrypted_room_one_to_one",
			default: true,
			enabled: true,
			conditions: [{ kind: "room_member_count", is: "2" }, { kind: "event_match", key: "type", pattern: "m.room.encrypted" }],
			actions: ["notify", { set_tweak: "sound", value: "default" }],
		});
		expect(rules.override[6]?.conditions).toEqual([
			{ kind: "event_match", key: "type", pattern: "m.room.tombstone" },
			{ kind: "event_match", key: "state_key", pattern: "" },
		]);
	});
});

describe("buildRuleset", () => {
	const own: StoredUserRule[] = [
		{ kind: "override", rule_id: "mine", enabled: true, body: { actions: ["notify"], conditions: [] } },
		{ kind: "content", rule_id: "cake", enabled: false, body: { actions: [], pattern: "cake*" } },
	];

	it("puts master first, then the user's rules, then the other defaults", () => {
		const rs = buildRuleset(ALICE, own, []);
		expect(rs.override.map((r) => r.rule_id).slice(0, 3)).toEqual([".m.rule.master", "mine", ".m.rule.suppress_notices"]);
		expect(rs.content).toEqual([{ rule_id: "cake", default: false, enabled: false, actions: [], pattern: "cake*" }]);
		expect(rs.room).toEqual([]);
	});

	it("applies the user's changes to a default rule", () => {
		const rs = buildRuleset(ALICE, [], [{ kind: "override", rule_id: ".m.rule.master", enabled: true, actions: [] }]);
		expect(rs.override[0]).toMatchObject({ rule_id: ".m.rule.master", enabled: true, default: true });
	});
});

describe("placeRule", () => {
	it("puts a new rule first, keeps an existing one in place", () => {
		expect(placeRule(["a", "b"], "c", {})).toEqual(["c", "a", "b"]);
		expect(placeRule(["a", "b"], "b", {})).toEqual(["a", "b"]);
	});

	it("places before or after a named rule; before wins when both are given", () => {
		expect(placeRule(["a", "b", "c"], "x", { before: "b" })).toEqual(["a", "x", "b", "c"]);
		expect(placeRule(["a", "b", "c"], "x", { after: "b" })).toEqual(["a", "b", "x", "c"]);
		expect(placeRule(["a", "b", "c"], "a", { after: "c" })).toEqual(["b", "c", "a"]);
		expect(placeRule(["a", "b", "c"], "x", { before: "c", after: "a" })).toEqual(["a", "b", "x", "c"]);
	});

	it("refuses an anchor that is not a user rule of the kind", () => {
		expect(errcodeOf(() => placeRule(["a"], "x", { before: ".m.rule.master" }))).toBe("M_UNKNOWN");
		expect(errcodeOf(() => placeRule(["a"], "a", { after: "a" }))).toBe("M_UNKNOWN");
	});
});

describe("validation", () => {
	it("refuses reserved and malformed rule IDs", () => {
		expect(errcodeOf(() => checkUserRuleId("override", ".m.rule.master"))).toBe("M_INVALID_PARAM");
		expect(errcodeOf(() => checkUserRuleId("override", "a/b"))).toBe("M_INVALID_PARAM");
		expect(errcodeOf(() => checkUserRuleId("override", "a\\b"))).toBe("M_INVALID_PARAM");
		expect(errcodeOf(() => checkUserRuleId("room", "not-a-room"))).toBe("M_INVALID_PARAM");
		expect(errcodeOf(() => checkUserRuleId("sender", "bob"))).toBe("M_INVALID_PARAM");
		expect(errcodeOf(() => checkUserRuleId("room", "!abc:example.org"))).toBeUndefined();
		expect(errcodeOf(() => checkUserRuleId("sender", "@bob:example.org"))).toBeUndefined();
	});

	it("strips historical actions and refuses unknown ones", () => {
		expect(parseActions(["dont_notify"])).toEqual([]);
		expect(parseActions(["notify", "coalesce", { set_tweak: "sound", value: "x" }])).toEqual(["notify", { set_tweak: "sound", value: "x" }]);
		expect(errcodeOf(() => parseActions(["explode"]))).toBe("M_BAD_JSON");
		expect(errcodeOf(() => parseActions([{ value: 1 }]))).toBe("M_BAD_JSON");
		expect(errcodeOf(() => parseActions("notify"))).toBe("M_BAD_JSON");
	});

	it("checks each kind's body", () => {
		expect(parseUserRuleBody("override", { actions: [] })).toEqual({ actions: [], conditions: [] });
		expect(parseUserRuleBody("content", { actions: [], pattern: "x" })).toEqual({ actions: [], pattern: "x" });
		expect(parseUserRuleBody("room", { actions: ["notify"], pattern: "ignored" })).toEqual({ actions: ["notify"] });
		expect(errcodeOf(() => parseUserRuleBody("content", { actions: [] }))).toBe("M_MISSING_PARAM");
		expect(errcodeOf(() => parseUserRuleBody("underride", { actions: [], conditions: [{ kind: "event_match", key: "type" }] }))).toBe("M_BAD_JSON");
		expect(errcodeOf(() => parseUserRuleBody("override", { actions: [], conditions: [{ kind: "room_member_count", is: "lots" }] }))).toBe("M_BAD_JSON");
		expect(errcodeOf(() => parseUserRuleBody("override", { actions: [], conditions: [{ kind: "event_property_is", key: "k", value: [1] }] }))).toBe("M_BAD_JSON");
		// Unknown condition kinds are stored: the spec says they simply never match.
		expect(parseUserRuleBody("override", { actions: [], conditions: [{ kind: "org.example.future" }] }).conditions).toEqual([{ kind: "org.example.future" }]);
		expect(parseUserRuleBody("override", { actions: [], conditions: [{ kind: "room_member_count", is: ">=10" }] }).conditions).toHaveLength(1);
	});
});
