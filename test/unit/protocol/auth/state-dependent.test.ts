// The non-member state-dependent rules: m.federate, m.room.aliases (v1–v5), sender membership,
// m.room.third_party_invite, required power level, user-owned state keys, m.room.redaction (v1–v2).
import { describe, it } from "vitest";
import { checkStateDependentAuthRules } from "../../../../src/protocol/auth";
import type { RoomVersionRules } from "../../../../src/protocol/room-versions/rules";
import { ROOM_V12 } from "../../../../src/protocol/room-versions/rules";
import { ALICE, ALL_VERSIONS, BOB, CAROL, type EventFields, expectAllowed, expectRejected, join, pick, standardRoom, TestRoom, TPI, versionsFrom } from "./room";

const FEDERATE = (r: RoomVersionRules) => pick(r, { 1: "3", 12: "4" });
const SENDER_JOINED = (r: RoomVersionRules) => pick(r, { 1: "6", 6: "5", 12: "6" });
const TPI_RULE = (r: RoomVersionRules) => pick(r, { 1: "7.1", 6: "6.1", 12: "7.1" });
const REQUIRED = (r: RoomVersionRules) => pick(r, { 1: "8", 6: "7", 12: "8" });
const STATE_KEY = (r: RoomVersionRules) => pick(r, { 1: "9", 6: "8", 12: "9" });

describe.each(ALL_VERSIONS.map((rules) => [rules.id, rules] as const))("room version %s", (_id, rules) => {
	it("rejects events from other servers when m.federate is false (federate rule)", async () => {
		const room = await standardRoom(rules, { createContent: { "m.federate": false } });
		expectRejected(await room.checkMember(BOB, BOB, "join"), FEDERATE(rules));
		expectAllowed(await room.checkMember("@alice2:a.example", "@alice2:a.example", "join"));
		const open = await standardRoom(rules, { createContent: { "m.federate": true } });
		expectAllowed(await open.checkMember(BOB, BOB, "join"));
	});

	it("rejects non-member events from senders who are not joined", async () => {
		const room = await standardRoom(rules);
		expectRejected(await room.check(room.build({ type: "m.room.message", sender: BOB, content: {} })), SENDER_JOINED(rules));
		await join(room, BOB);
		await room.send(room.member(BOB, BOB, "leave"));
		expectRejected(await room.check(room.build({ type: "m.room.message", sender: BOB, content: {} })), SENDER_JOINED(rules));
	});

	it("allows m.room.third_party_invite at the invite level, below state_default", async () => {
		const room = await standardRoom(rules, { powerLevels: { invite: 0, state_default: 50 } });
		await join(room, BOB);
		expectAllowed(await room.check(room.build({ type: TPI, sender: BOB, state_key: "t", content: {} })));
	});

	it("rejects m.room.third_party_invite below the invite level, even above events[type]", async () => {
		const room = await standardRoom(rules, { powerLevels: { invite: 50, events: { [TPI]: 0 } } });
		await join(room, BOB);
		expectRejected(await room.check(room.build({ type: TPI, sender: BOB, state_key: "t", content: {} })), TPI_RULE(rules));
	});

	it("rejects events below their required power level", async () => {
		const room = await standardRoom(rules, { powerLevels: { events: { "m.room.message": 10 } } });
		await join(room, BOB);
		expectRejected(await room.check(room.build({ type: "m.room.topic", sender: BOB, state_key: "", content: {} })), REQUIRED(rules));
		expectRejected(await room.check(room.build({ type: "m.room.message", sender: BOB, content: {} })), REQUIRED(rules));
		expectAllowed(await room.check(room.build({ type: "m.reaction", sender: BOB, content: {} })));
		expectAllowed(await room.check(room.build({ type: "m.room.topic", sender: ALICE, state_key: "", content: {} })));
	});

	it("applies the defaults when there is no power levels event: state 50, messages 0", async () => {
		const room = new TestRoom(rules);
		await room.send(room.member(ALICE, ALICE, "join"));
		await room.send({ type: "m.room.join_rules", sender: ALICE, state_key: "", content: { join_rule: "public" } });
		await join(room, BOB);
		expectRejected(await room.check(room.build({ type: "m.room.name", sender: BOB, state_key: "", content: {} })), REQUIRED(rules));
		expectAllowed(await room.check(room.build({ type: "m.room.message", sender: BOB, content: {} })));
	});

	it("rejects state keys naming another user", async () => {
		const room = await standardRoom(rules);
		expectRejected(await room.check(room.build({ type: "org.example.profile", sender: ALICE, state_key: BOB, content: {} })), STATE_KEY(rules));
		expectAllowed(await room.check(room.build({ type: "org.example.profile", sender: ALICE, state_key: ALICE, content: {} })));
		expectAllowed(await room.check(room.build({ type: "org.example.profile", sender: ALICE, state_key: "bob", content: {} })));
	});

	it("allows whatever passes every rule", async () => {
		const room = await standardRoom(rules);
		expectAllowed(await room.check(room.build({ type: "m.room.message", sender: ALICE, content: { body: "hello" } })));
	});

	it("rejects everything when the state has no create event", async () => {
		const room = await standardRoom(rules);
		const event = room.build({ type: "m.room.message", sender: ALICE, content: {} });
		const noCreate = (t: string, k: string) => (t === "m.room.create" ? undefined : room.stateLookup(t, k));
		expectRejected(await checkStateDependentAuthRules(rules, event, noCreate), pick(rules, { 1: "2.4", 12: "2" }));
	});
});

describe("m.room.aliases", () => {
	describe.each(versionsFrom(1, 5).map((r) => [r.id, r] as const))("v%s special-cases it (rule 4)", (_id, rules) => {
		it("allows a server's own aliases, member or not (4.3)", async () => {
			const room = await standardRoom(rules);
			expectAllowed(await room.check(room.build({ type: "m.room.aliases", sender: BOB, state_key: "b.example", content: { aliases: ["#x:b.example"] } })));
		});
		it("rejects aliases without a state_key (4.1)", async () => {
			const room = await standardRoom(rules);
			expectRejected(await room.check(room.build({ type: "m.room.aliases", sender: ALICE, content: {} })), "4.1");
		});
		it("rejects another server's state_key (4.2)", async () => {
			const room = await standardRoom(rules);
			expectRejected(await room.check(room.build({ type: "m.room.aliases", sender: ALICE, state_key: "b.example", content: {} })), "4.2");
		});
	});

	it.each(versionsFrom(6).map((r) => [r.id, r] as const))("v%s treats it as ordinary state", async (_id, rules) => {
		const room = await standardRoom(rules);
		const aliases = () => room.build({ type: "m.room.aliases", sender: BOB, state_key: "b.example", content: {} });
		expectRejected(await room.check(aliases()), SENDER_JOINED(rules));
		await join(room, BOB);
		expectRejected(await room.check(aliases()), REQUIRED(rules));
		expectAllowed(await room.check(room.build({ type: "m.room.aliases", sender: ALICE, state_key: "b.example", content: {} })));
	});
});

describe("m.room.redaction", () => {
	describe.each(versionsFrom(1, 2).map((r) => [r.id, r] as const))("v%s special-cases it (rule 11)", (_id, rules) => {
		async function room() {
			const r = await standardRoom(rules);
			await join(r, BOB);
			await join(r, CAROL);
			const alices = await r.send({ type: "m.room.message", sender: ALICE, content: {} });
			const bobs = await r.send({ type: "m.room.message", sender: BOB, content: {} });
			return { r, alices, bobs };
		}
		it("allows a sender at the redact level (11.1)", async () => {
			const { r, bobs } = await room();
			expectAllowed(await r.check(r.build({ type: "m.room.redaction", sender: ALICE, content: {}, redacts: bobs.event_id })));
		});
		it("allows redacting events from the redaction's own server (11.2)", async () => {
			const { r, bobs } = await room();
			expectAllowed(await r.check(r.build({ type: "m.room.redaction", sender: BOB, content: {}, redacts: bobs.event_id })));
		});
		it("rejects other redactions (11.3)", async () => {
			const { r, alices } = await room();
			expectRejected(await r.check(r.build({ type: "m.room.redaction", sender: BOB, content: {}, redacts: alices.event_id })), "11.3");
			expectRejected(await r.check(r.build({ type: "m.room.redaction", sender: CAROL, content: {} })), "11.3");
		});
	});

	it.each(versionsFrom(3).map((r) => [r.id, r] as const))("v%s leaves redactions to the redaction algorithm", async (_id, rules) => {
		const room = await standardRoom(rules);
		await join(room, BOB);
		const alices = await room.send({ type: "m.room.message", sender: ALICE, content: {} });
		const fields: EventFields = rules.auth.redactsInContent
			? { type: "m.room.redaction", sender: BOB, content: { redacts: alices.event_id } }
			: { type: "m.room.redaction", sender: BOB, content: {}, redacts: alices.event_id };
		expectAllowed(await room.check(room.build(fields)));
	});

	it("v12 still applies events[m.room.redaction]", async () => {
		const room = await standardRoom(ROOM_V12, { powerLevels: { events: { "m.room.redaction": 20 } } });
		await join(room, BOB);
		expectRejected(await room.check(room.build({ type: "m.room.redaction", sender: BOB, content: { redacts: "$x" } })), "8");
	});
});
