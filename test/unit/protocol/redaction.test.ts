// The redaction algorithm against ruma's redaction tests (each case run under every room version it names),
// plus the per-version rules the ruma cases do not reach.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { EventJson, JsonObject } from "../../../src/protocol/events/pdu";
import { redactEvent } from "../../../src/protocol/events/redaction";
import { ROOM_VERSIONS, roomVersionRules, type RoomVersionRules } from "../../../src/protocol/room-versions/rules";

interface RumaFile {
	tests: {
		name: string;
		input: EventJson;
		cases: { rules: string; room_versions: string[]; expected: EventJson }[];
	}[];
}
const ruma = JSON.parse(
	readFileSync(new URL("../../../../shared/vectors/redaction-vectors-ruma.json", import.meta.url), "utf8"),
) as RumaFile;

const rulesFor = (version: string): RoomVersionRules => {
	const rules = roomVersionRules(version);
	if (!rules) throw new Error(`unknown room version ${version}`);
	return rules;
};

describe("ruma redaction vectors", () => {
	const cases = ruma.tests.flatMap((test) =>
		test.cases.flatMap((c) =>
			c.room_versions.map((version) => ({ name: test.name, ruma: c.rules, version, input: test.input, expected: c.expected })),
		),
	);
	it("covers the 9 tests and 16 cases", () => {
		expect(ruma.tests).toHaveLength(9);
		expect(ruma.tests.flatMap((t) => t.cases)).toHaveLength(16);
	});
	it.each(cases)("$name ($ruma rules) in room v$version", ({ input, version, expected }) => {
		expect(redactEvent(input, rulesFor(version))).toEqual(expected);
	});
});

const base = {
	event_id: "$e:x",
	room_id: "!r:x",
	sender: "@a:x",
	origin: "x",
	origin_server_ts: 1,
	depth: 3,
	prev_events: ["$p"],
	auth_events: ["$a"],
	prev_state: [],
	membership: "join",
	hashes: { sha256: "h" },
	signatures: { x: { "ed25519:1": "s" } },
	unsigned: { age_ts: 1, transaction_id: "t" },
	extra_top_level: true,
};
const redactIn = (version: string, event: EventJson) => redactEvent(event, rulesFor(version));
const allVersions = Object.keys(ROOM_VERSIONS);

describe("top-level keys", () => {
	it.each(allVersions)("room v%s drops unsigned and unknown keys and keeps hashes and signatures", (version) => {
		const out = redactIn(version, { ...base, type: "m.room.message", content: { body: "hi" } });
		expect(out).not.toHaveProperty("unsigned");
		expect(out).not.toHaveProperty("extra_top_level");
		expect(out.hashes).toEqual(base.hashes);
		expect(out.signatures).toEqual(base.signatures);
		expect(out.content).toEqual({});
	});
	it.each(allVersions)("room v%s keeps origin, membership and prev_state only before v11", (version) => {
		const out = redactIn(version, { ...base, type: "m.room.message", content: {} });
		const legacy = Number(version) < 11;
		for (const key of ["origin", "membership", "prev_state"]) expect(Object.hasOwn(out, key)).toBe(legacy);
		for (const key of ["event_id", "room_id", "sender", "origin_server_ts", "depth", "prev_events", "auth_events"]) {
			expect(Object.hasOwn(out, key)).toBe(true);
		}
	});
	it("keeps state_key, also when it is empty, and leaves absent keys absent", () => {
		expect(redactIn("10", { type: "m.room.name", state_key: "", content: { name: "n" } })).toEqual({
			type: "m.room.name",
			state_key: "",
			content: {},
		});
	});
	it("drops the top-level redacts in every version", () => {
		for (const version of allVersions) {
			expect(redactIn(version, { type: "m.room.redaction", redacts: "$t", content: {} })).not.toHaveProperty("redacts");
		}
	});
	it("rejects a content that is not an object", () => {
		expect(() => redactIn("10", { type: "m.room.message", content: "x" })).toThrow(expect.objectContaining({ errcode: "M_BAD_JSON" }));
	});
	it("does not modify its input", () => {
		const input = { ...base, type: "m.room.member", content: { membership: "join", displayname: "A" } };
		const copy = structuredClone(input);
		redactIn("11", input);
		expect(input).toEqual(copy);
	});
});

describe("content keys per room version", () => {
	const content = (version: string, type: string, c: JsonObject) => redactIn(version, { type, content: c }).content;

	it("keeps m.room.aliases aliases in v1–v5 only", () => {
		for (const version of allVersions) {
			expect(content(version, "m.room.aliases", { aliases: ["#a:x"], x: 1 })).toEqual(Number(version) <= 5 ? { aliases: ["#a:x"] } : {});
		}
	});
	it("keeps join_rules allow from v8", () => {
		for (const version of allVersions) {
			const allow = [{ type: "m.room_membership", room_id: "!s:x" }];
			expect(content(version, "m.room.join_rules", { join_rule: "restricted", allow, x: 1 })).toEqual(
				Number(version) >= 8 ? { join_rule: "restricted", allow } : { join_rule: "restricted" },
			);
		}
	});
	it("keeps member join_authorised_via_users_server from v9 (v8 forgot it)", () => {
		for (const version of allVersions) {
			const c = { membership: "join", join_authorised_via_users_server: "@b:y", displayname: "A" };
			expect(content(version, "m.room.member", c)).toEqual(
				Number(version) >= 9 ? { membership: "join", join_authorised_via_users_server: "@b:y" } : { membership: "join" },
			);
		}
	});
	it("keeps only `signed` of third_party_invite from v11, and an empty object when it has none (as Synapse does)", () => {
		const signed = { mxid: "@c:x", token: "t", signatures: {} };
		expect(content("11", "m.room.member", { membership: "invite", third_party_invite: { display_name: "c", signed } })).toEqual({
			membership: "invite",
			third_party_invite: { signed },
		});
		expect(content("12", "m.room.member", { membership: "invite", third_party_invite: { display_name: "c" } })).toEqual({
			membership: "invite",
			third_party_invite: {},
		});
		expect(content("12", "m.room.member", { membership: "invite", third_party_invite: "odd" })).toEqual({ membership: "invite" });
		expect(content("10", "m.room.member", { membership: "invite", third_party_invite: { signed } })).toEqual({ membership: "invite" });
	});
	it("keeps power_levels invite from v11", () => {
		const pl = { ban: 50, events: {}, events_default: 0, invite: 0, kick: 50, redact: 50, state_default: 50, users: {}, users_default: 0, notifications: { room: 50 } };
		const { invite: _i, notifications: _n, ...v1Kept } = pl;
		const { notifications: _n2, ...v11Kept } = pl;
		expect(content("10", "m.room.power_levels", pl)).toEqual(v1Kept);
		expect(content("11", "m.room.power_levels", pl)).toEqual(v11Kept);
	});
	it("keeps all create content from v11 and only creator before", () => {
		const c = { creator: "@a:x", room_version: "11", "m.federate": false, other: { deep: [1] } };
		expect(content("10", "m.room.create", c)).toEqual({ creator: "@a:x" });
		expect(content("11", "m.room.create", c)).toEqual(c);
		expect(content("12", "m.room.create", { room_version: "12", additional_creators: ["@b:y"] })).toEqual({
			room_version: "12",
			additional_creators: ["@b:y"],
		});
	});
	it("keeps redaction content.redacts from v11", () => {
		expect(content("10", "m.room.redaction", { redacts: "$t", reason: "r" })).toEqual({});
		expect(content("11", "m.room.redaction", { redacts: "$t", reason: "r" })).toEqual({ redacts: "$t" });
	});
	it("keeps history_visibility and strips everything from other types", () => {
		expect(content("1", "m.room.history_visibility", { history_visibility: "joined", x: 1 })).toEqual({ history_visibility: "joined" });
		expect(content("12", "m.room.topic", { topic: "t" })).toEqual({});
		expect(content("12", "m.room.encrypted", { ciphertext: "c", algorithm: "a" })).toEqual({});
	});
	it("does not pick keys up from the prototype chain", () => {
		expect(content("10", "m.room.power_levels", JSON.parse('{"__proto__": {"ban": 1}}') as JsonObject)).toEqual({});
	});
});
